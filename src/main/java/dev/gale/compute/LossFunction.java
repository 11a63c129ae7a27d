package dev.gale.compute;

/**
 * Data terms of the cost, each paired with the output activation for which the output delta is
 * exactly h - y. All are evaluated from logits z where that avoids log(0) and overflow.
 */
public enum LossFunction {
    /** K independent sigmoid outputs: sum_k softplus(z) - y z = -[y log h + (1 - y) log(1 - h)]. */
    LOGISTIC,
    /** Softmax outputs: sum_k y_k (logsumexp(z) - z_k). */
    SOFTMAX_CROSS_ENTROPY,
    /** Any output: 1/2 sum_k (h - y)^2. */
    MEAN_SQUARED_ERROR
}
