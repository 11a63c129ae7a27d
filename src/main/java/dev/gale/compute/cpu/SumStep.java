package dev.gale.compute.cpu;

import java.util.function.DoubleConsumer;

/**
 * A reduction over {@code [0, total)}: each fixed range's partial sum lands in its own slot, and
 * the slots are added in range order, so the total is the same bits for any thread count.
 */
final class SumStep implements Step {

    @FunctionalInterface
    interface Part {
        double sum(int from, int to);
    }

    private final RangeStep ranges;
    private final double[] partials;
    private final DoubleConsumer finish;

    /** Hands the total of {@code part} over all ranges to {@code finish}. */
    SumStep(int total, int grain, Part part, DoubleConsumer finish) {
        this.partials = new double[Math.ceilDiv(total, grain)];
        this.ranges = new RangeStep(total, grain, (from, to, worker) -> partials[from / grain] = part.sum(from, to));
        this.finish = finish;
    }

    @Override
    public int phases() {
        return ranges.phases();
    }

    @Override
    public int tasks(int phase) {
        return ranges.tasks(phase);
    }

    @Override
    public void run(int phase, int task, int worker) {
        ranges.run(phase, task, worker);
    }

    @Override
    public void finish() {
        double sum = 0;
        for (double partial : partials) {
            sum += partial;
        }
        finish.accept(sum);
    }
}
