package dev.gale.compute.reference;

import dev.gale.compute.Pointwise;

/** The activation functions and their derivatives in float64: the definitions the kernels follow. */
public final class Functions {

    private Functions() {
    }

    public static double apply(Pointwise function, double slope, double z) {
        return switch (function) {
            case IDENTITY -> z;
            case SIGMOID -> sigmoid(z);
            case TANH -> Math.tanh(z);
            case RELU -> z > 0 ? z : 0;
            case LEAKY_RELU -> z > 0 ? z : slope * z;
        };
    }

    public static double derivative(Pointwise function, double slope, double z, double a) {
        return switch (function) {
            case IDENTITY -> 1;
            case SIGMOID -> a * (1 - a);
            case TANH -> 1 - a * a;
            case RELU -> z > 0 ? 1 : 0;
            case LEAKY_RELU -> z > 0 ? 1 : slope;
        };
    }

    /** 1 / (1 + e^-z), without overflow for large |z|. */
    public static double sigmoid(double z) {
        if (z >= 0) {
            return 1 / (1 + Math.exp(-z));
        }
        double e = Math.exp(z);
        return e / (1 + e);
    }

    /** log(1 + e^z) = max(z, 0) + log1p(e^-|z|), never overflowing. */
    public static double softplus(double z) {
        return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    }
}
