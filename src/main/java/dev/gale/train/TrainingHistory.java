package dev.gale.train;

import java.util.List;

/**
 * What a run did. {@code bestEpoch} is the epoch whose weights the network holds at the end: the
 * best validation loss under early stopping, else the last epoch. An {@code interrupted} run was
 * stopped by {@link Trainer#requestStop()}: the network holds its last completed epoch, whatever
 * early stopping would have kept.
 */
public record TrainingHistory(List<EpochReport> epochs, int bestEpoch, boolean stoppedEarly, boolean interrupted) {
    public TrainingHistory {
        epochs = List.copyOf(epochs);
    }
}
