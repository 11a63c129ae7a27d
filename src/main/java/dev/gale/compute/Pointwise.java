package dev.gale.compute;

/**
 * Element-wise activation functions as kernels see them. The derivative is written in terms of the
 * pre-activation z and the activation a = g(z), whichever is cheaper and exact.
 */
public enum Pointwise {
    /** g(z) = z. */
    IDENTITY,
    /** g(z) = 1 / (1 + e^-z); g' = a (1 - a). */
    SIGMOID,
    /** g(z) = tanh z; g' = 1 - a^2. */
    TANH,
    /** g(z) = max(0, z); g' = 1 where z > 0, else 0. */
    RELU,
    /** g(z) = z where z > 0, else slope * z; g' = 1 where z > 0, else slope. */
    LEAKY_RELU
}
