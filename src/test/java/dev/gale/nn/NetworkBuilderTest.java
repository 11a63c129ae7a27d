package dev.gale.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NetworkBuilderTest {

    static Stream<Arguments> rejected() {
        return Stream.of(
                Arguments.of("no inputs", (Supplier<Network>) () -> Network.builder(0)
                        .dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), "input"),
                Arguments.of("no layers", (Supplier<Network>) () -> Network.builder(3)
                        .loss(Loss.MEAN_SQUARED_ERROR).build(), "layer"),
                Arguments.of("no loss", (Supplier<Network>) () -> Network.builder(3)
                        .dense(2, Activation.SIGMOID).build(), "loss"),
                Arguments.of("zero units", (Supplier<Network>) () -> Network.builder(3).dense(0, Activation.RELU)
                        .dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), "unit"),
                Arguments.of("hidden softmax", (Supplier<Network>) () -> Network.builder(3).dense(4, Activation.SOFTMAX)
                        .dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), "softmax"),
                Arguments.of("softmax-CE without softmax", (Supplier<Network>) () -> Network.builder(3)
                        .dense(2, Activation.SIGMOID).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), "softmax"),
                Arguments.of("softmax with MSE", (Supplier<Network>) () -> Network.builder(3)
                        .dense(2, Activation.SOFTMAX).loss(Loss.MEAN_SQUARED_ERROR).build(), "softmax"),
                Arguments.of("logistic without sigmoid", (Supplier<Network>) () -> Network.builder(3)
                        .dense(2, Activation.TANH).loss(Loss.LOGISTIC).build(), "sigmoid"),
                Arguments.of("one-unit softmax", (Supplier<Network>) () -> Network.builder(3)
                        .dense(1, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build(), "2 units"),
                Arguments.of("maxout output", (Supplier<Network>) () -> Network.builder(3)
                        .maxout(2, 3).loss(Loss.MEAN_SQUARED_ERROR).build(), "dense"),
                Arguments.of("one-piece maxout", (Supplier<Network>) () -> Network.builder(3).maxout(4, 1)
                        .dense(1, Activation.SIGMOID).loss(Loss.LOGISTIC).build(), "pieces"),
                Arguments.of("negative L2", (Supplier<Network>) () -> Network.builder(3).dense(1, Activation.SIGMOID)
                        .loss(Loss.LOGISTIC).l2(-1).build(), "L2"),
                Arguments.of("NaN L2", (Supplier<Network>) () -> Network.builder(3).dense(1, Activation.SIGMOID)
                        .loss(Loss.LOGISTIC).l2(Double.NaN).build(), "L2"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void rejectsBadConfigurationsWithAClearMessage(String name, Supplier<Network> build, String mentions) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::get);
        assertTrue(e.getMessage().contains(mentions), () -> "message '" + e.getMessage() + "' should mention " + mentions);
    }

    @Test
    void leakyReluSlopeDefaultsToOneHundredthAndIsValidated() {
        assertEquals(0.01, Activation.LEAKY_RELU.slope());
        assertEquals(0.2, Activation.leakyRelu(0.2).slope());
        assertThrows(IllegalArgumentException.class, () -> Activation.leakyRelu(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Activation.leakyRelu(1.5));
        assertThrows(IllegalArgumentException.class, () -> new Activation(Activation.Function.RELU, 0.3));
    }

    @Test
    void shapesFollowTheLinearLayout() {
        Network network = Network.builder(5).dense(4, Activation.TANH).maxout(3, 2)
                .dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).build();
        assertEquals(4 * 5, network.weights(0).length);
        assertEquals(3 * 2 * 4, network.weights(1).length, "maxout has units * pieces weight rows");
        assertEquals(6, network.bias(1).length);
        assertEquals(2 * 3, network.weights(2).length, "the layer after maxout sees its units, not its pieces");
        assertEquals(20 + 4 + 24 + 6 + 6 + 2, network.parameterCount());
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        Supplier<Network.Builder> base = () -> Network.builder(6).dense(5, Activation.RELU)
                .dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).initializer(new Initializer.HeNormal());
        Network a = base.get().seed(11).build();
        Network b = base.get().seed(11).build();
        Network c = base.get().seed(12).build();
        assertArrayEquals(a.weights(0), b.weights(0));
        assertFalse(java.util.Arrays.equals(a.weights(0), c.weights(0)));
    }

    @Test
    void initializersDrawFromTheirStatedDistributions() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(3);
        float[] w = new float[40_000];
        new Initializer.Uniform(0.12).fill(w, 100, 400, random);
        assertBounded(w, 0.12);
        double xavier = Math.sqrt(6.0 / (100 + 400));
        new Initializer.XavierUniform().fill(w, 100, 400, random);
        assertBounded(w, xavier);
        assertEquals(xavier * xavier / 3, variance(w), 0.03 * xavier * xavier / 3, "uniform(-e, e) has variance e^2/3");
        new Initializer.HeNormal().fill(w, 100, 400, random);
        assertEquals(2.0 / 100, variance(w), 0.03 * 2.0 / 100, "He normal has variance 2/fanIn");
    }

    private static void assertBounded(float[] w, double bound) {
        for (float v : w) {
            assertTrue(Math.abs(v) <= bound, () -> v + " is outside +-" + bound);
        }
    }

    private static double variance(float[] w) {
        double mean = 0;
        for (float v : w) {
            mean += v;
        }
        mean /= w.length;
        double sum = 0;
        for (float v : w) {
            sum += (v - mean) * (v - mean);
        }
        return sum / w.length;
    }
}
