package dev.gale.nn;

import java.util.Arrays;

/**
 * The data term of the cost J, averaged over the m examples of a batch. Each has one spelling,
 * its {@link #label()}, used on the command line, in model files and in {@link Network#toString()}.
 */
public enum Loss {
    /** K independent sigmoid outputs: -[y log h + (1 - y) log(1 - h)] summed over outputs. */
    LOGISTIC("logistic"),
    /** Softmax outputs: -sum_k y_k log h_k. */
    SOFTMAX_CROSS_ENTROPY("softmax-ce"),
    /** 1/2 sum_k (h_k - y_k)^2; with targets = inputs, an autoencoder. */
    MEAN_SQUARED_ERROR("mse");

    private final String label;

    Loss(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The loss spelled {@code label}: softmax-ce, logistic or mse. */
    public static Loss parse(String label) {
        return Arrays.stream(values()).filter(loss -> loss.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown loss '" + label
                        + "'; use softmax-ce, logistic or mse"));
    }
}
