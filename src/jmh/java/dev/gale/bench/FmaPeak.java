package dev.gale.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's FMA peak at the vector width the JIT uses, measured by a Java loop. scripts/bench
 * prints it in its header and measures it again right before each GEMM row, whose share of the
 * peak is then a ratio of two timings taken with the machine in one state: on a shared host the
 * same loop read 257, 264 and 272 GFLOP/s in three runs of one day.
 */
public final class FmaPeak {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Long enough for the JIT to compile the loop and for the clock to settle. */
    private static final long ROUND_NANOS = 200_000_000L;

    private FmaPeak() {
    }

    /** {@code args}: one thread count; prints the peak at that count as JSON. */
    public static void main(String[] args) throws InterruptedException {
        System.out.println(String.format(Locale.ROOT, "{\"peak\": %.1f}", gflops(Integer.parseInt(args[0]))));
    }

    static int vectorBits() {
        return F.vectorBitSize();
    }

    /** GFLOP/s of {@code threads} threads running {@link #fmaLoop} at once, the best of five rounds. */
    static double gflops(int threads) throws InterruptedException {
        double best = 0;
        for (int round = 0; round < 5; round++) {
            CountDownLatch start = new CountDownLatch(1);
            long[] flops = new long[threads];
            long[] nanos = new long[threads];
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                running.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    long begin = System.nanoTime();
                    long iterations = 0;
                    float sink = 0;
                    while (System.nanoTime() - begin < ROUND_NANOS) {
                        sink += fmaLoop(1 << 16);
                        iterations += 1 << 16;
                    }
                    nanos[thread] = System.nanoTime() - begin;
                    // Twelve vectors of fused multiply-adds per iteration, two flops per lane; the
                    // sink keeps the JIT from dropping the loop.
                    flops[thread] = iterations * 12 * 2 * F.length() + (sink == 42 ? 1 : 0);
                }));
            }
            start.countDown();
            for (Thread thread : running) {
                thread.join();
            }
            double total = 0;
            for (int t = 0; t < threads; t++) {
                total += (double) flops[t] / nanos[t];
            }
            best = Math.max(best, total);
        }
        return best;
    }

    /**
     * Twelve independent chains of fused multiply-adds: enough to cover the FMA latency (4 or 5
     * cycles) on two FMA units, so the loop runs at the units' throughput.
     */
    private static float fmaLoop(int iterations) {
        FloatVector x = FloatVector.broadcast(F, 1.0000001f);
        FloatVector y = FloatVector.broadcast(F, 0.9999999f);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        FloatVector c8 = c0;
        FloatVector c9 = c0;
        FloatVector c10 = c0;
        FloatVector c11 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = x.fma(y, c0);
            c1 = x.fma(y, c1);
            c2 = x.fma(y, c2);
            c3 = x.fma(y, c3);
            c4 = x.fma(y, c4);
            c5 = x.fma(y, c5);
            c6 = x.fma(y, c6);
            c7 = x.fma(y, c7);
            c8 = x.fma(y, c8);
            c9 = x.fma(y, c9);
            c10 = x.fma(y, c10);
            c11 = x.fma(y, c11);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .lane(0);
    }
}
