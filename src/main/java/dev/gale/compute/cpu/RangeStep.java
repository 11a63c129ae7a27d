package dev.gale.compute.cpu;

/**
 * An op whose outputs split into independent ranges of {@code [0, total)}: rows, elements or
 * columns. Ranges are {@code grain} long, a size the op's shape alone decides, and each is one task,
 * so which thread computes a range never changes what it computes.
 */
final class RangeStep implements Step {

    @FunctionalInterface
    interface Body {
        void run(int from, int to, int worker);
    }

    private final int total;
    private final int grain;
    private final int tasks;
    private final Body body;

    RangeStep(int total, int grain, Body body) {
        this.total = total;
        this.grain = grain;
        this.tasks = Math.ceilDiv(total, grain);
        this.body = body;
    }

    @Override
    public int phases() {
        return 1;
    }

    @Override
    public int tasks(int phase) {
        return tasks;
    }

    @Override
    public void run(int phase, int task, int worker) {
        int from = task * grain;
        body.run(from, Math.min(total, from + grain), worker);
    }
}
