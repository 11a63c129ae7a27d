package dev.gale.compute;

/**
 * Which elements inverted dropout keeps: a counter-based draw keyed by (seed, step, element), so that
 * every backend and thread count keeps the same elements, a resumed run draws the masks of the run
 * it continues, and the backward pass redraws the forward pass's mask instead of storing it. The
 * draw is SplitMix64's finaliser over the key; its bits 32 to 55 are compared with the rate in units
 * of 2^-24, so an element is dropped with probability rate to within 2^-24. (Not the top 24 bits: a
 * rate of 1/2 then tests the sign bit alone, which TornadoVM 5.2's OpenCL code gets wrong.)
 */
public final class DropoutMask {

    /** The draw's constants, public for device kernels that restate {@link #kept}. */
    public static final long GOLDEN = 0x9E3779B97F4A7C15L;
    public static final long MIX1 = 0xBF58476D1CE4E5B9L;
    public static final long MIX2 = 0x94D049BB133111EBL;

    private DropoutMask() {
    }

    /** The rate in units of 2^-24: an element whose draw is below it is dropped. */
    public static int threshold(float rate) {
        return (int) (rate * (double) (1 << 24));
    }

    public static boolean kept(long seed, long step, int element, int threshold) {
        long z = seed + step * GOLDEN + element * MIX1;
        z = (z ^ (z >>> 30)) * MIX1;
        z = (z ^ (z >>> 27)) * MIX2;
        z ^= z >>> 31;
        return ((int) (z >>> 32) & 0xFFFFFF) >= threshold;
    }

    /** 1 / (1 - rate) in float32: what kept elements are multiplied by. */
    public static float scale(float rate) {
        return 1f / (1f - rate);
    }
}
