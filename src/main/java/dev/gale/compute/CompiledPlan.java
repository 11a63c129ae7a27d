package dev.gale.compute;

import java.util.List;

/** A step plan bound to one backend's buffers and kernels. */
public interface CompiledPlan {

    /** Runs every op of the plan once, in order, and returns when all results are written. */
    void run();

    /** What one run dispatches and moves between host and device, once the plan's buffers are resident. */
    Traffic traffic();

    /**
     * How a device runs the plan's GEMMs, one entry per GEMM in plan order: the kernel and the
     * work-group it was given, e.g. {@code tiled, work-group 16x16}; empty where the backend has
     * no such choices. Tests read it to see that a device option took effect.
     */
    default List<String> gemmKernels() {
        return List.of();
    }

    /**
     * {@code launches}: the kernels a device runs, or the parallel stages a CPU backend dispatches, per
     * run; {@code bytesIn} and {@code bytesOut}: what crosses from host to device and back per run (0
     * where the backend computes in host memory).
     */
    record Traffic(int launches, long bytesIn, long bytesOut) {
    }
}
