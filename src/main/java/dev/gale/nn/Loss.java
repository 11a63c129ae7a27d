package dev.gale.nn;

/** The data term of the cost J, averaged over the m examples of a batch. */
public enum Loss {
    /** K independent sigmoid outputs: -[y log h + (1 - y) log(1 - h)] summed over outputs. */
    LOGISTIC,
    /** Softmax outputs: -sum_k y_k log h_k. */
    SOFTMAX_CROSS_ENTROPY,
    /** 1/2 sum_k (h_k - y_k)^2; with targets = inputs, an autoencoder. */
    MEAN_SQUARED_ERROR
}
