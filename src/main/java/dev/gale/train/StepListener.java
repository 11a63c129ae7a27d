package dev.gale.train;

/**
 * Hears about every optimizer step, for progress displays. Called on the training thread between
 * steps with primitives only, so that a listener that does little costs the step nothing.
 */
@FunctionalInterface
public interface StepListener {

    /** {@code done} of {@code rows} training examples of 0-based {@code epoch} are through; {@code loss} is the last batch's cost. */
    void step(int epoch, int done, int rows, float loss);
}
