package dev.gale.compute.cpu;

/**
 * An op whose outputs split into independent ranges of {@code [0, total)}: rows, elements or
 * columns. Ranges are {@code grain} long, a size the op's shape alone decides, and each is one task
 * of the pool, so which thread computes a range never changes what it computes.
 */
final class RangeStep implements Step, WorkerPool.Job {

    @FunctionalInterface
    interface Body {
        void run(int from, int to, int worker);
    }

    private final WorkerPool pool;
    private final int total;
    private final int grain;
    private final int tasks;
    private final Body body;

    RangeStep(WorkerPool pool, int total, int grain, Body body) {
        this.pool = pool;
        this.total = total;
        this.grain = grain;
        this.tasks = Math.ceilDiv(total, grain);
        this.body = body;
    }

    @Override
    public void run() {
        pool.run(tasks, this);
    }

    @Override
    public void run(int task, int worker) {
        int from = task * grain;
        body.run(from, Math.min(total, from + grain), worker);
    }
}
