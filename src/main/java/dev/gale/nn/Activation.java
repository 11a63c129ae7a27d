package dev.gale.nn;

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

    @Override
    public String toString() {
        return function == Function.LEAKY_RELU
                ? "leaky-relu(" + slope + ")"
                : function.name().toLowerCase(java.util.Locale.ROOT);
    }
}
