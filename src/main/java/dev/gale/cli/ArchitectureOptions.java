package dev.gale.cli;

import dev.gale.io.ModelFile;
import dev.gale.nn.Activation;
import dev.gale.nn.Initializer;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import picocli.CommandLine.Option;

/** The network a command builds: hidden layers, activations, output, loss and L2. */
final class ArchitectureOptions {

    @Option(names = "--layers", defaultValue = "256,128", paramLabel = "N,N,...",
            description = "Hidden layer widths, comma-separated; 'none' for no hidden layer (default ${DEFAULT-VALUE}).")
    String layers;

    @Option(names = "--activation", defaultValue = "relu", paramLabel = "FN",
            description = "Hidden activation: relu, sigmoid, tanh, leaky-relu[:SLOPE] or maxout:K (default ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--output", defaultValue = "softmax", paramLabel = "FN",
            description = "Output activation: softmax, sigmoid or identity (default ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--loss", paramLabel = "LOSS",
            description = "softmax-ce, logistic or mse (default: the one that goes with --output).")
    String loss;

    @Option(names = "--l2", defaultValue = "0", paramLabel = "LAMBDA",
            description = "L2 strength lambda of lambda/(2m) sum W^2 (default ${DEFAULT-VALUE}).")
    double l2;

    /** A network from {@code inputs} to {@code outputs} with freshly drawn weights. */
    Network build(int inputs, int outputs, long seed) {
        Network.Builder builder = Network.builder(inputs);
        String[] hidden = layers.isBlank() || layers.equals("none") ? new String[0] : layers.split(",");
        boolean reluFamily = activation.startsWith("relu") || activation.startsWith("leaky-relu")
                || activation.startsWith("maxout");
        for (String width : hidden) {
            int units = parseInt(width.strip(), "--layers");
            if (activation.startsWith("maxout:")) {
                builder.maxout(units, parseInt(activation.substring("maxout:".length()), "--activation maxout:K"));
            } else {
                builder.dense(units, hiddenActivation());
            }
        }
        Activation out = switch (output) {
            case "softmax" -> Activation.SOFTMAX;
            case "sigmoid" -> Activation.SIGMOID;
            case "identity" -> Activation.IDENTITY;
            default -> throw new IllegalArgumentException("unknown --output '" + output + "'; use softmax, sigmoid or identity");
        };
        Loss chosen = loss != null ? ModelFile.parseLoss(loss) : switch (output) {
            case "softmax" -> Loss.SOFTMAX_CROSS_ENTROPY;
            case "sigmoid" -> Loss.LOGISTIC;
            default -> Loss.MEAN_SQUARED_ERROR;
        };
        return builder.dense(outputs, out).loss(chosen).l2(l2)
                .initializer(reluFamily ? new Initializer.HeNormal() : new Initializer.XavierUniform())
                .seed(seed).build();
    }

    private Activation hiddenActivation() {
        if (activation.startsWith("leaky-relu:")) {
            return Activation.leakyRelu(parseDouble(activation.substring("leaky-relu:".length()), "--activation"));
        }
        Activation parsed;
        try {
            parsed = ModelFile.parseActivation(activation, Activation.DEFAULT_LEAKY_SLOPE);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (parsed == null || parsed == Activation.SOFTMAX || parsed == Activation.IDENTITY) {
            throw new IllegalArgumentException("--activation must be relu, sigmoid, tanh, leaky-relu[:SLOPE] or maxout:K, got "
                    + activation);
        }
        return parsed;
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
