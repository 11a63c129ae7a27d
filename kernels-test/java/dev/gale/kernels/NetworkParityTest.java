package dev.gale.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.Backend;
import dev.gale.compute.Collective;
import dev.gale.compute.reference.ReferenceBackend;
import dev.gale.data.Dataset;
import dev.gale.data.Synthetic;
import dev.gale.nn.Activation;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import dev.gale.train.Optimizer;
import dev.gale.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Whole training runs: for each of two networks, from the same initial weights, 20 steps (5 epochs
 * of 4 batches, shuffled) with each optimizer on every backend under test and on the float64
 * reference. The per-epoch costs
 * and the final weights must agree within the bounds below, a device's also with the CPU backend's
 * run, and two runs on one backend must give identical weights.
 */
class NetworkParityTest {

    /**
     * Final weights: |w - w_ref| <= 2e-6 + 1e-5 |w_ref|, and the same against the CPU backend's run. The CPU backends measure at most 3e-7 after
     * these 20 steps (about two units of 2^-24 at |w| near 1, every optimizer). A device may round
     * exp, tanh and division less tightly (OpenCL allows 3 to 4 ulp in float) and sum in another
     * order, so the bound allows about eight times the CPU's error; a wrong term (a missing 1/m, an
     * off bias correction) moves weights by 1e-3 or more.
     */
    private static final double WEIGHT_ATOL = 2e-6;
    private static final double WEIGHT_RTOL = 1e-5;
    /** Per-epoch mean cost, relative: the CPU measures at most 6e-8; the same factor of eight. */
    private static final double COST_RTOL = 5e-7;

    static List<Optimizer> optimizers() {
        return List.of(Optimizer.sgd(0.2), Optimizer.momentum(0.1, 0.9), Optimizer.nesterov(0.1, 0.9),
                Optimizer.adam(0.01), Optimizer.adamW(0.01, 0.05));
    }

    /**
     * Between them, the networks take every path a device backend may fuse into one task: bias
     * and activation in place (before maxout and softmax) and into another buffer with each
     * activation, the activation gradient with each derivative, the bias gradient beside every
     * weight gradient, the softmax in the loss's kernel; and a GEMM with nothing to fuse (the delta
     * into maxout) and a loss on its own (mean squared error through a sigmoid output).
     */
    static List<NetworkCase> networks() {
        return List.of(
                // Dropout on a dense and a Maxout layer, none on the third hidden one.
                new NetworkCase("tanh-maxout-leaky-softmax", () -> Network.builder(7).dense(13, Activation.TANH)
                        .dropout(0.3).maxout(5, 3).dropout(0.2).dense(9, Activation.leakyRelu(0.1))
                        .dense(4, Activation.SOFTMAX)
                        .loss(Loss.SOFTMAX_CROSS_ENTROPY).l2(1e-3).seed(11).build()),
                new NetworkCase("relu-sigmoid-sigmoid-mse", () -> Network.builder(7).dense(11, Activation.RELU)
                        .dense(6, Activation.SIGMOID).dense(4, Activation.SIGMOID)
                        .loss(Loss.MEAN_SQUARED_ERROR).seed(12).build()));
    }

    record NetworkCase(String name, Supplier<Network> build) {
    }

    private record Run(Network network, List<Double> costs) {
    }

    private static Run train(Backend backend, NetworkCase shape, Optimizer optimizer) {
        return train(backend, shape, optimizer, Collective.ONE_WORKER);
    }

    private static Run train(Backend backend, NetworkCase shape, Optimizer optimizer, Collective collective) {
        Dataset data = Synthetic.blobs(10, 4, 7, 1.5, 5);
        Network network = shape.build().get();
        List<Double> costs = new ArrayList<>();
        Trainer.builder(backend).optimizer(optimizer).batchSize(10).epochs(5).seed(3).collective(collective)
                .listener(report -> costs.add(report.trainingLoss())).build().fit(network, data);
        return new Run(network, costs);
    }

    /**
     * Worker 0 of two whose partner, as this collective plays it, computed the same gradient and cost
     * on its rows: the sum doubles what worker 0 hands over. A backend that runs the exchange must
     * take its gradient and cost out after the backward pass and update with what comes back.
     */
    private static final class MirroredWorker implements Collective {
        @Override
        public int workers() {
            return 2;
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public float allReduce(float[] values, int offset, int count, float scalar) {
            for (int i = offset; i < offset + count; i++) {
                values[i] *= 2;
            }
            return 2 * scalar;
        }
    }

    @TestFactory
    Stream<DynamicNode> asOneOfTwoWorkersEveryBackendExchangesAndAgrees() {
        return networks().stream().map(shape -> dynamicContainer(shape.name(), Stream.of(Optimizer.sgd(0.2),
                Optimizer.adamW(0.01, 0.05)).map(optimizer -> {
                    Run reference;
                    try (ReferenceBackend oracle = new ReferenceBackend()) {
                        reference = train(oracle, shape, optimizer, new MirroredWorker());
                    }
                    Run alone;
                    try (ReferenceBackend oracle = new ReferenceBackend()) {
                        alone = train(oracle, shape, optimizer);
                    }
                    return dynamicContainer(optimizer.toString(), BackendsUnderTest.all().stream().map(factory ->
                            dynamicTest(factory.name(), () -> {
                                try (Backend backend = factory.open().apply(0)) {
                                    Run run = train(backend, shape, optimizer, new MirroredWorker());
                                    compare(shape.name() + " as worker 0 of 2 on " + backend.description(), optimizer,
                                            run, reference, "the reference");
                                    assertNotEquals(alone.costs().getFirst(), run.costs().getFirst(),
                                            "the exchange changed the run");
                                }
                            })));
                })));
    }

    @TestFactory
    Stream<DynamicNode> twentyStepsAgreeWithTheReference() {
        return networks().stream().map(shape -> dynamicContainer(shape.name(), optimizers().stream()
                .map(optimizer -> optimizerRuns(shape, optimizer))));
    }

    private static DynamicNode optimizerRuns(NetworkCase shape, Optimizer optimizer) {
        Run reference;
        try (ReferenceBackend oracle = new ReferenceBackend()) {
            reference = train(oracle, shape, optimizer);
        }
        BackendsUnderTest.Factory cpuFactory = BackendsUnderTest.cpu().getFirst();
        Run onCpu;
        try (Backend cpu = cpuFactory.open().apply(0)) {
            onCpu = train(cpu, shape, optimizer);
        }
        List<String> cpuNames = BackendsUnderTest.cpu().stream().map(BackendsUnderTest.Factory::name).toList();
        return dynamicContainer(optimizer.toString(), BackendsUnderTest.all().stream().map(factory ->
                dynamicTest(factory.name(), () -> {
                    try (Backend backend = factory.open().apply(0)) {
                        Run first = train(backend, shape, optimizer);
                        Run second = train(backend, shape, optimizer);
                        String what = shape.name() + " on " + backend.description();
                        compare(what, optimizer, first, reference, "the reference");
                        if (!cpuNames.contains(factory.name())) {
                            compare(what, optimizer, first, onCpu, cpuFactory.name());
                        }
                        for (int l = 0; l < first.network().layers().size(); l++) {
                            assertArrayEquals(first.network().weights(l), second.network().weights(l),
                                    "two runs of " + what + " differ in layer " + l);
                        }
                    }
                })));
    }

    /** {@code run} against {@code expected}; {@code what} names the network and the backend. */
    private static void compare(String what, Optimizer optimizer, Run run, Run expected, String against) {
        double maxError = 0;
        double errorSquares = 0;
        double expectedSquares = 0;
        List<String> violations = new ArrayList<>();
        for (int l = 0; l < run.network().layers().size(); l++) {
            float[][] pairs = {run.network().weights(l), expected.network().weights(l),
                    run.network().bias(l), expected.network().bias(l)};
            for (int t = 0; t < pairs.length; t += 2) {
                for (int i = 0; i < pairs[t].length; i++) {
                    double got = pairs[t][i];
                    double want = pairs[t + 1][i];
                    double error = Math.abs(got - want);
                    maxError = Math.max(maxError, error);
                    errorSquares += error * error;
                    expectedSquares += want * want;
                    if (!(error <= WEIGHT_ATOL + WEIGHT_RTOL * Math.abs(want)) && violations.size() < 3) {
                        violations.add("layer " + l + (t == 0 ? " weight " : " bias ") + i + ": " + got + " vs " + want);
                    }
                }
            }
        }
        double worstCost = 0;
        for (int e = 0; e < run.costs().size(); e++) {
            worstCost = Math.max(worstCost, Math.abs(run.costs().get(e) - expected.costs().get(e))
                    / Math.abs(expected.costs().get(e)));
        }
        System.out.printf("network parity %-66s %-60s vs %-13s max |dw| %.2e, rel L2 %.2e, worst cost rel %.2e%n",
                what, optimizer, against, maxError, Math.sqrt(errorSquares / expectedSquares), worstCost);
        assertTrue(violations.isEmpty(), what + ", " + optimizer + ": weights outside " + WEIGHT_ATOL + " + "
                + WEIGHT_RTOL + " |w| of " + against + ": " + violations);
        double finalWorstCost = worstCost;
        assertTrue(worstCost <= COST_RTOL, () -> what + ", " + optimizer + ": epoch cost off " + against
                + " by " + finalWorstCost + " relative, bound " + COST_RTOL);
    }
}
