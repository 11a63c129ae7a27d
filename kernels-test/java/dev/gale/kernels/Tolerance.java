package dev.gale.kernels;

/**
 * What a backend's float32 result {@code d} may differ from the float64 reference {@code r} by,
 * element-wise: {@code |d - r| <= atol + rtol * |r|}; and why the op's arithmetic stays inside it.
 */
record Tolerance(double atol, double rtol, String reason) {

    /** 2^-24, float32's unit roundoff: one rounding moves a value by at most this, relatively. */
    static final double U = 0x1p-24;

    /** Results that must equal the reference exactly. */
    static Tolerance exact(String reason) {
        return new Tolerance(0, 0, reason);
    }

    /** {@code roundings} roundings relative to the result, nothing absolute. */
    static Tolerance relative(double roundings, String reason) {
        return new Tolerance(0, roundings * U, reason);
    }

    double bound(double want) {
        return atol + rtol * Math.abs(want);
    }
}
