package dev.gale.compute;

/** A step plan bound to one backend's buffers and kernels. */
public interface CompiledPlan {

    /** Runs every op of the plan once, in order, and returns when all results are written. */
    void run();

    /** What one run dispatches and moves between host and device, once the plan's buffers are resident. */
    Traffic traffic();

    /**
     * {@code launches}: the kernels a device runs, or the parallel stages a CPU backend dispatches, per
     * run; {@code bytesIn} and {@code bytesOut}: what crosses from host to device and back per run (0
     * where the backend computes in host memory).
     */
    record Traffic(int launches, long bytesIn, long bytesOut) {
    }
}
