package dev.gale.train;

/**
 * One epoch of training. {@code trainingLoss} is the mean of the epoch's mini-batch costs (penalty
 * included); the validation fields are NaN when there is no validation set.
 */
public record EpochReport(int epoch, double learningRate, double trainingLoss, double validationLoss,
                          double validationAccuracy, long nanos) {
}
