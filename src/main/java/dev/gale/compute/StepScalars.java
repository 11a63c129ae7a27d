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
    public static final int LENGTH = 3;

    private StepScalars() {
    }
}
