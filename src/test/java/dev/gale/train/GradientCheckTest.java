package dev.gale.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.reference.ReferenceBackend;
import dev.gale.data.Dataset;
import dev.gale.nn.Activation;
import dev.gale.nn.Initializer;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Back-propagation against central differences in float64 for every hidden activation (Maxout
 * included) x every output/loss pairing x with and without L2, through two hidden layers.
 */
class GradientCheckTest {

    /**
     * Central differences in float64 with step 1e-6 have truncation error ~1e-12 and rounding error
     * ~1e-16 / 1e-6 = 1e-10 relative to the gradient, so a correct back-propagation lands near 1e-9;
     * a wrong term (a missing 1/m, a bias in the penalty) shows up at 1e-3 or worse.
     */
    private static final double BOUND = 1e-7;
    private static final double EPSILON = 1e-6;

    record Hidden(String name, Activation activation, int pieces) {
        Network.Builder add(Network.Builder builder, int units) {
            return pieces > 0 ? builder.maxout(units, pieces) : builder.dense(units, activation);
        }
    }

    record Output(Activation activation, Loss loss) {
    }

    static Stream<Arguments> combinations() {
        List<Hidden> hidden = List.of(
                new Hidden("sigmoid", Activation.SIGMOID, 0),
                new Hidden("tanh", Activation.TANH, 0),
                new Hidden("relu", Activation.RELU, 0),
                new Hidden("leaky-relu(0.1)", Activation.leakyRelu(0.1), 0),
                new Hidden("identity", Activation.IDENTITY, 0),
                new Hidden("maxout(3)", null, 3));
        List<Output> outputs = List.of(
                new Output(Activation.SIGMOID, Loss.LOGISTIC),
                new Output(Activation.SOFTMAX, Loss.SOFTMAX_CROSS_ENTROPY),
                new Output(Activation.IDENTITY, Loss.MEAN_SQUARED_ERROR),
                new Output(Activation.SIGMOID, Loss.MEAN_SQUARED_ERROR),
                new Output(Activation.TANH, Loss.MEAN_SQUARED_ERROR));
        List<Arguments> cases = new ArrayList<>();
        for (Hidden h : hidden) {
            for (Output o : outputs) {
                for (double l2 : new double[] {0, 0.7}) {
                    cases.add(Arguments.of(h, o, l2));
                }
            }
        }
        return cases.stream();
    }

    /**
     * The gradient of a network with dropout is that of the cost at one mask: the check's plans
     * never write the step, so both draw the mask of step 0.
     */
    @Test
    void dropoutWithAFixedMaskMatchesCentralDifferences() {
        Dataset data = new Dataset(uniform(new SplittableRandom(5), 6 * 4, -1, 1),
                targets(Loss.SOFTMAX_CROSS_ENTROPY, new SplittableRandom(6), 6, 3), 6, 4, 3);
        Network network = Network.builder(4).dense(8, Activation.TANH).dropout(0.4).maxout(4, 2).dropout(0.3)
                .dense(3, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).initializer(new Initializer.Uniform(0.8))
                .seed(3).build();
        GradientCheck.Result result;
        try (ReferenceBackend reference = new ReferenceBackend()) {
            result = GradientCheck.run(reference, network, data, EPSILON);
        }
        assertTrue(result.relativeDifference() < BOUND, () -> "relative difference " + result.relativeDifference());
    }

    @ParameterizedTest(name = "{0} hidden, {1}, l2 {2}")
    @MethodSource("combinations")
    void backpropagationMatchesCentralDifferences(Hidden hidden, Output output, double l2) {
        int inputs = 4;
        int outputs = 3;
        int rows = 5;
        Network.Builder builder = Network.builder(inputs);
        hidden.add(builder, 5);
        hidden.add(builder, 4);
        Network network = builder.dense(outputs, output.activation()).loss(output.loss()).l2(l2)
                .initializer(new Initializer.Uniform(0.8)).seed(17).build();
        SplittableRandom random = new SplittableRandom(29);
        for (int l = 0; l < network.layers().size(); l++) {
            float[] bias = network.bias(l);
            for (int i = 0; i < bias.length; i++) {
                bias[i] = (float) random.nextDouble(-0.5, 0.5);
            }
        }
        Dataset data = new Dataset(uniform(random, rows * inputs, -1, 1), targets(output.loss(), random, rows, outputs),
                rows, inputs, outputs);

        GradientCheck.Result result;
        try (ReferenceBackend reference = new ReferenceBackend()) {
            result = GradientCheck.run(reference, network, data, EPSILON);
        }

        System.out.printf("gradcheck %-16s %-22s l2 %.1f: relative difference %.2e over %d parameters%n",
                hidden.name(), output.activation() + "+" + output.loss(), l2, result.relativeDifference(),
                result.parameters());
        assertTrue(result.relativeDifference() < BOUND,
                () -> "relative difference " + result.relativeDifference() + " >= " + BOUND);
    }

    private static float[] targets(Loss loss, SplittableRandom random, int rows, int outputs) {
        return switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                float[] y = new float[rows * outputs];
                for (int r = 0; r < rows; r++) {
                    y[r * outputs + random.nextInt(outputs)] = 1;
                }
                yield y;
            }
            case LOGISTIC -> {
                float[] y = new float[rows * outputs];
                for (int i = 0; i < y.length; i++) {
                    y[i] = random.nextBoolean() ? 1 : 0;
                }
                yield y;
            }
            case MEAN_SQUARED_ERROR -> uniform(random, rows * outputs, -0.9, 0.9);
        };
    }

    private static float[] uniform(SplittableRandom random, int n, double low, double high) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextDouble(low, high);
        }
        return values;
    }
}
