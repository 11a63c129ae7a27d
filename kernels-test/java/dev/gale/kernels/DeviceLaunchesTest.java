package dev.gale.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.nn.Activation;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import dev.gale.train.Optimizer;
import dev.gale.train.TrainingStep;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * The launches of one training step (Adam) on each TornadoVM device under test, with either GEMM
 * kernel, where every GEMM takes the op after it that it can and the loss the softmax before it:
 * 784-256-128-10 at batch 128 in 11 (3 forward GEMMs with bias and activation, 2 for the softmax and
 * loss, 3 weight-gradient GEMMs with the bias gradients, 2 propagating GEMMs with the activation
 * gradients, 1 update), and the networks
 * of {@link NetworkParityTest}, whose agreement with the reference is worth something for the fused
 * paths only where they fuse. No test runs where no TornadoVM device is present.
 */
class DeviceLaunchesTest {

    /**
     * For the parity networks: tanh-maxout-leaky-softmax in 23 (33 unfused: the maxout steps, the L2
     * penalty's 2 and the 4 dropout ops stay apart, and the backward dropout between the tanh layer's
     * delta GEMM and its activation gradient keeps those two apart), relu-sigmoid-sigmoid-mse in 12
     * (20 unfused: the output's activation gradient follows the loss, not a GEMM).
     */
    private static final Map<String, Integer> PARITY_NETWORK_LAUNCHES = Map.of(
            "tanh-maxout-leaky-softmax", 23, "relu-sigmoid-sigmoid-mse", 12);

    @TestFactory
    Stream<DynamicTest> aStepLaunchesTheKernelsLeftAfterFusion() {
        Network mnist = Network.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .dense(10, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build();
        return BackendsUnderTest.all().stream().filter(factory -> factory.name().startsWith("tornado"))
                .map(factory -> dynamicTest(factory.name(), () -> {
                    try (Backend backend = factory.open().apply(0)) {
                        assertEquals(11, launches(backend, mnist, 128), "784-256-128-10 on " + backend.description());
                        for (NetworkParityTest.NetworkCase shape : NetworkParityTest.networks()) {
                            assertEquals(PARITY_NETWORK_LAUNCHES.get(shape.name()),
                                    launches(backend, shape.build().get(), 10),
                                    shape.name() + " on " + backend.description());
                        }
                    }
                }));
    }

    /**
     * Every GEMM kernel option takes effect: the plan that each option compiles reports the kernel
     * and work-group it gave each GEMM. Results alone cannot show it, since every tile edge and the
     * {@code @Parallel} kernel compute the same bits.
     */
    @TestFactory
    Stream<DynamicTest> everyGemmOptionReachesThePlan() {
        Network mnist = Network.builder(784).dense(256, Activation.RELU).dense(128, Activation.RELU)
                .dense(10, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build();
        Map<String, String> expected = Map.of("", "tiled, work-group 16x16", ",tile=16", "tiled, work-group 4x4",
                ",tile=128", "tiled, work-group 32x32", ",gemm=parallel", "@Parallel, one work-item per element");
        return BackendsUnderTest.all().stream().map(BackendsUnderTest.Factory::name)
                .filter(name -> name.startsWith("tornado") && !name.contains(","))
                .flatMap(device -> expected.entrySet().stream().map(option -> dynamicTest(device + option.getKey(), () -> {
                    try (Backend backend = Backends.open(device + option.getKey(), 0)) {
                        List<String> kernels = TrainingStep.compile(backend, mnist, Optimizer.adam(1e-3), 128, 1)
                                .gemmKernels();
                        assertEquals(8, kernels.size(), "the step's GEMMs on " + backend.description());
                        assertEquals(List.of(option.getValue()), kernels.stream().distinct().toList(),
                                backend.description());
                    }
                })));
    }

    private static int launches(Backend backend, Network network, int rows) {
        return TrainingStep.compile(backend, network, Optimizer.adam(1e-3), rows, 1).traffic().launches();
    }
}
