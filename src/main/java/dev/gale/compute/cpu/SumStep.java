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

    private final int total;
    private final int grain;
    private final Part part;
    private final double[] partials;
    private final DoubleConsumer finish;

    /** Hands the total of {@code part} over all ranges to {@code finish}. */
    SumStep(int total, int grain, Part part, DoubleConsumer finish) {
        this.total = total;
        this.grain = grain;
        this.part = part;
        this.partials = new double[Math.ceilDiv(total, grain)];
        this.finish = finish;
    }

    @Override
    public int phases() {
        return 1;
    }

    @Override
    public int tasks(int phase) {
        return partials.length;
    }

    @Override
    public void run(int phase, int task, int worker) {
        int from = task * grain;
        partials[task] = part.sum(from, Math.min(total, from + grain));
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
