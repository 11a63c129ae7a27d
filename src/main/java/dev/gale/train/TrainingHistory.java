package dev.gale.train;

import java.util.List;

/**
 * What a run did. {@code bestEpoch} is the epoch whose weights the network holds at the end: the
 * best validation loss under early stopping, else the last epoch.
 */
public record TrainingHistory(List<EpochReport> epochs, int bestEpoch, boolean stoppedEarly) {
    public TrainingHistory {
        epochs = List.copyOf(epochs);
    }

    public EpochReport last() {
        return epochs.getLast();
    }
}
