package dev.gale.train;

import dev.gale.nn.Network;
import java.util.List;

/**
 * Where a mini-batch run stands after a completed epoch: everything, besides the network's weights
 * and the trainer's settings, that the next epoch depends on. A run resumed from it ends with the
 * same weights as one never interrupted, because epoch e's shuffle depends only on (seed, e).
 *
 * @param epochsDone     completed epochs; the next epoch is this number (0-based)
 * @param step           optimizer steps taken, Adam's bias-correction counter
 * @param optimizerState per parameter tensor (layer 0 weights, layer 0 biases, layer 1 weights, ...),
 *                       the optimizer's state tensors in order: velocity, or Adam's first and second moments
 * @param bestEpoch      the epoch of the best validation loss so far (-1 before any)
 * @param bestLoss       that loss (infinite before any)
 * @param best           the weights of that epoch, when early stopping keeps them; else null
 * @param reports        the completed epochs' reports
 */
public record TrainingState(int epochsDone, long step, float[][] optimizerState, int bestEpoch, double bestLoss,
                            Network best, List<EpochReport> reports) {
    public TrainingState {
        reports = List.copyOf(reports);
        if (epochsDone < 0 || step < 0 || reports.size() != epochsDone) {
            throw new IllegalArgumentException("inconsistent training state: " + epochsDone + " epochs, " + step
                    + " steps, " + reports.size() + " reports");
        }
    }
}
