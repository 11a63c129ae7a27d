package dev.gale.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.compute.Collective;
import dev.gale.data.Dataset;
import dev.gale.data.Synthetic;
import dev.gale.nn.Activation;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Workers in threads of one JVM, exchanging through memory, against one machine: the trainer's
 * shares of each batch, however uneven, with more workers than a tail batch has rows. (The Spark
 * module's tests run the same over TCP in Spark, with two workers.)
 */
class DataParallelTest {

    /**
     * Rounding alone: the workers' partial sums of a gradient add up in another order than one
     * machine's single pass (about 2^-24 of each element per step, over this test's 33 and 51 steps).
     */
    private static final double WEIGHT_BOUND = 1e-6;

    /** Sums over threads in rank order, so that every worker gets the same bits. */
    private static final class InMemory {
        private final float[][] values;
        private final float[] scalars;
        private final CyclicBarrier barrier;

        /** Ends the waits of the other workers when one fails, so that the test fails instead of hanging. */
        void abandon() {
            barrier.reset();
        }

        InMemory(int workers) {
            values = new float[workers][];
            scalars = new float[workers];
            barrier = new CyclicBarrier(workers);
        }

        Collective worker(int rank) {
            return new Collective() {
                @Override
                public int workers() {
                    return values.length;
                }

                @Override
                public int rank() {
                    return rank;
                }

                @Override
                public float allReduce(float[] data, int offset, int count, float scalar) {
                    values[rank] = Arrays.copyOfRange(data, offset, offset + count);
                    scalars[rank] = scalar;
                    await();
                    float sum = 0;
                    for (int i = 0; i < count; i++) {
                        float total = 0;
                        for (float[] worker : values) {
                            total += worker[i];
                        }
                        data[offset + i] = total;
                    }
                    for (float s : scalars) {
                        sum += s;
                    }
                    await();
                    return sum;
                }

                private void await() {
                    try {
                        barrier.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                        throw new IllegalStateException("another worker failed", e);
                    }
                }
            };
        }
    }

    private static Network network() {
        return Network.builder(4).dense(12, Activation.TANH).dropout(0.25).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).l2(1e-3).seed(2).build();
    }

    private static Trainer.Builder trainer(Backend backend, int batch) {
        return Trainer.builder(backend).optimizer(Optimizer.adamW(0.01, 0.01)).batchSize(batch).epochs(3).seed(4);
    }

    /**
     * 5 workers on batches of 8 rows (shares 1, 2, 1, 2, 2) with a tail of 7 (1, 1, 2, 1, 2: worker 2's
     * share larger than its share of a full batch); 3 workers on batches of 5 with a tail of
     * 2 rows, which leaves worker 0 without rows.
     */
    @ParameterizedTest
    @CsvSource({"5, 8, 87", "3, 5, 82"})
    void workersReachTheWeightsOfOneMachine(int workers, int batch, int rows) throws Exception {
        Dataset data = Synthetic.blobs(30, 3, 4, 1.5, 6).slice(0, rows);
        Network one = network();
        try (Backend cpu = Backends.open("cpu", 1)) {
            trainer(cpu, batch).build().fit(one, data);
        }
        InMemory exchange = new InMemory(workers);
        ExecutorService threads = Executors.newFixedThreadPool(workers);
        List<Future<Network>> trained = new ArrayList<>();
        try {
            for (int r = 0; r < workers; r++) {
                Collective collective = exchange.worker(r);
                trained.add(threads.submit(() -> {
                    Network mine = network();
                    try (Backend cpu = Backends.open("cpu", 1)) {
                        trainer(cpu, batch).collective(collective).build().fit(mine, data);
                    } catch (RuntimeException e) {
                        exchange.abandon();
                        throw e;
                    }
                    return mine;
                }));
            }
            Network first = trained.getFirst().get();
            for (Future<Network> other : trained) {
                for (int l = 0; l < 2; l++) {
                    assertArrayEquals(first.weights(l), other.get().weights(l), "every worker holds the same bits");
                }
            }
            double difference = 0;
            for (int l = 0; l < 2; l++) {
                for (int i = 0; i < one.weights(l).length; i++) {
                    difference = Math.max(difference, Math.abs(one.weights(l)[i] - first.weights(l)[i]));
                }
                for (int i = 0; i < one.bias(l).length; i++) {
                    difference = Math.max(difference, Math.abs(one.bias(l)[i] - first.bias(l)[i]));
                }
            }
            assertTrue(difference <= WEIGHT_BOUND, workers + " workers: " + difference);
        } finally {
            threads.shutdownNow();
        }
    }
}
