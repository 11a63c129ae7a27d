package dev.gale.compute;

/**
 * Layout of the small buffer of per-step scalars that update ops read. The host rewrites it before
 * each step, so a plan built once serves a changing learning rate and Adam's bias corrections, and a
 * device backend needs no re-compilation for them.
 */
public final class StepScalars {
    public static final int LEARNING_RATE = 0;
    /** 1 / (1 - beta1^t). */
    public static final int FIRST_MOMENT_CORRECTION = 1;
    /** 1 / (1 - beta2^t). */
    public static final int SECOND_MOMENT_CORRECTION = 2;
    /**
     * The step t (1-based) that draws dropout's masks, as t mod 2^20 and t / 2^20: whole numbers a
     * float holds exactly, on every backend, up to 2^44 steps.
     */
    public static final int STEP_LOW = 3;
    public static final int STEP_HIGH = 4;
    public static final int LENGTH = 5;

    /** Where the step splits between {@link #STEP_LOW} and {@link #STEP_HIGH}. */
    public static final int STEP_SPLIT_BITS = 20;

    /** Writes step {@code t} into {@code scalars}. */
    public static void step(long t, float[] scalars) {
        scalars[STEP_LOW] = t & ((1 << STEP_SPLIT_BITS) - 1);
        scalars[STEP_HIGH] = t >>> STEP_SPLIT_BITS;
    }

    /** The step {@link #step} wrote, from the two floats as any backend reads them. */
    public static long step(double low, double high) {
        return ((long) high << STEP_SPLIT_BITS) + (long) low;
    }

    private StepScalars() {
    }
}
