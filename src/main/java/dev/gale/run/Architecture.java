package dev.gale.run;

import dev.gale.nn.Activation;
import dev.gale.nn.Initializer;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.util.Arrays;

/**
 * A network in the words of the command line: hidden widths ({@code 256,128} or {@code none}), the
 * hidden activation ({@code relu}, {@code sigmoid}, {@code tanh}, {@code leaky-relu[:SLOPE]} or
 * {@code maxout:K}), the output activation, the loss (null: the one that goes with the output) and
 * the L2 strength, and the dropout rate of every hidden layer. Text that names no network is refused
 * when the record is made.
 */
public record Architecture(String layers, String activation, String output, String loss, double l2, double dropout) {

    public Architecture {
        if (layers == null || activation == null || output == null) {
            throw new IllegalArgumentException("--layers, --activation and --output are required");
        }
        hiddenWidths(layers);
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("--dropout must be a rate in [0, 1), got " + dropout);
        }
        if (maxoutPieces(activation) == 0) {
            hiddenLayer(activation);
        }
        Activation.Function out = outputActivation(output).function();
        Loss chosen = lossFor(loss, output);
        boolean fits = switch (chosen) {
            case SOFTMAX_CROSS_ENTROPY -> out == Activation.Function.SOFTMAX;
            case LOGISTIC -> out == Activation.Function.SIGMOID;
            case MEAN_SQUARED_ERROR -> out != Activation.Function.SOFTMAX;
        };
        if (!fits) {
            throw new IllegalArgumentException("--loss " + chosen.label() + " does not go with --output " + output
                    + ": use --output " + switch (chosen) {
                        case SOFTMAX_CROSS_ENTROPY -> "softmax";
                        case LOGISTIC -> "sigmoid";
                        case MEAN_SQUARED_ERROR -> "identity (or sigmoid for targets in [0, 1])";
                    });
        }
    }

    /** A network from {@code inputs} to {@code outputs} with freshly drawn weights. */
    public Network build(int inputs, int outputs, long seed) {
        if (outputs == 1 && output.equals("softmax")) {
            throw new IllegalArgumentException("the data has one target column, and a softmax output needs at least"
                    + " 2 classes: use --output sigmoid for a yes/no target or --output identity for a number");
        }
        Network.Builder builder = Network.builder(inputs);
        int pieces = maxoutPieces(activation);
        for (int units : hiddenWidths(layers)) {
            if (pieces > 0) {
                builder.maxout(units, pieces);
            } else {
                builder.dense(units, hiddenLayer(activation));
            }
            builder.dropout(dropout);
        }
        boolean reluFamily = pieces > 0 || activation.startsWith("relu") || activation.startsWith("leaky-relu");
        return builder.dense(outputs, outputActivation(output)).loss(lossFor(loss, output)).l2(l2)
                .initializer(reluFamily ? new Initializer.HeNormal() : new Initializer.XavierUniform())
                .seed(seed).build();
    }

    private static int[] hiddenWidths(String layers) {
        if (layers.isBlank() || layers.equals("none")) {
            return new int[0];
        }
        return Arrays.stream(layers.split(",")).mapToInt(width -> parseInt(width.strip(), "--layers")).toArray();
    }

    /** Maxout's pieces, or 0 when the hidden layers are dense. */
    private static int maxoutPieces(String activation) {
        return activation.startsWith("maxout:")
                ? parseInt(activation.substring("maxout:".length()), "--activation maxout:K") : 0;
    }

    private static Activation hiddenLayer(String activation) {
        if (activation.startsWith("leaky-relu:")) {
            return Activation.leakyRelu(parseDouble(activation.substring("leaky-relu:".length()), "--activation"));
        }
        Activation parsed;
        try {
            parsed = Activation.parse(activation, Activation.DEFAULT_LEAKY_SLOPE);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (parsed == null || parsed == Activation.SOFTMAX || parsed == Activation.IDENTITY) {
            throw new IllegalArgumentException("--activation must be relu, sigmoid, tanh, leaky-relu[:SLOPE] or "
                    + "maxout:K, got " + activation);
        }
        return parsed;
    }

    private static Activation outputActivation(String output) {
        return switch (output) {
            case "softmax" -> Activation.SOFTMAX;
            case "sigmoid" -> Activation.SIGMOID;
            case "identity" -> Activation.IDENTITY;
            default -> throw new IllegalArgumentException("unknown --output '" + output
                    + "'; use softmax, sigmoid or identity");
        };
    }

    private static Loss lossFor(String loss, String output) {
        if (loss != null) {
            return Loss.parse(loss);
        }
        return switch (outputActivation(output).function()) {
            case SOFTMAX -> Loss.SOFTMAX_CROSS_ENTROPY;
            case SIGMOID -> Loss.LOGISTIC;
            default -> Loss.MEAN_SQUARED_ERROR;
        };
    }

    static int parseInt(String text, String option) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " expects whole numbers, got '" + text + "'");
        }
    }

    static double parseDouble(String text, String option) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " expects a number, got '" + text + "'");
        }
    }
}
