package dev.gale.nn;

import java.util.Locale;

/**
 * A layer's activation g. {@code slope} is Leaky ReLU's negative-side slope and 0 for the others.
 */
public record Activation(Function function, double slope) {

    public enum Function { SIGMOID, TANH, RELU, LEAKY_RELU, SOFTMAX, IDENTITY }

    public static final double DEFAULT_LEAKY_SLOPE = 0.01;

    public static final Activation SIGMOID = new Activation(Function.SIGMOID, 0);
    public static final Activation TANH = new Activation(Function.TANH, 0);
    public static final Activation RELU = new Activation(Function.RELU, 0);
    public static final Activation LEAKY_RELU = leakyRelu(DEFAULT_LEAKY_SLOPE);
    /** Row-wise over the layer's units: valid on the output layer, with softmax cross-entropy. */
    public static final Activation SOFTMAX = new Activation(Function.SOFTMAX, 0);
    public static final Activation IDENTITY = new Activation(Function.IDENTITY, 0);

    public Activation {
        if (function == null) {
            throw new IllegalArgumentException("activation function is null");
        }
        if (function == Function.LEAKY_RELU ? !(slope >= 0 && slope < 1) : slope != 0) {
            throw new IllegalArgumentException(function == Function.LEAKY_RELU
                    ? "Leaky ReLU slope must be in [0, 1), got " + slope
                    : function + " takes no slope");
        }
    }

    public static Activation leakyRelu(double slope) {
        return new Activation(Function.LEAKY_RELU, slope);
    }

    /** The function's one spelling, on the command line and in model files: e.g. {@code leaky-relu}. */
    public String label() {
        return function.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The activation spelled {@code label}; {@code slope} is used by leaky-relu only. */
    public static Activation parse(String label, double slope) {
        return switch (label) {
            case "relu" -> RELU;
            case "sigmoid" -> SIGMOID;
            case "tanh" -> TANH;
            case "leaky-relu" -> leakyRelu(slope);
            case "softmax" -> SOFTMAX;
            case "identity" -> IDENTITY;
            default -> throw new IllegalArgumentException("unknown activation '" + label
                    + "'; use relu, sigmoid, tanh, leaky-relu, softmax or identity");
        };
    }

    @Override
    public String toString() {
        return function == Function.LEAKY_RELU
                ? "leaky-relu(" + slope + ")"
                : label();
    }
}
