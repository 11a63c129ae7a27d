package dev.gale.compute;

/** A step plan bound to one backend's buffers and kernels. */
public interface CompiledPlan {

    /** Runs every op of the plan once, in order, and returns when all results are written. */
    void run();
}
