package dev.gale.train;

/**
 * One epoch of training. {@code trainingLoss} is the mean of the epoch's mini-batch costs (penalty
 * included); {@code trainingAccuracy} is measured after the epoch on the first rows of the training
 * set when the trainer was asked to (else NaN); the validation fields are NaN when there is no
 * validation set.
 */
public record EpochReport(int epoch, double learningRate, double trainingLoss, double trainingAccuracy,
                          double validationLoss, double validationAccuracy, long nanos) {
}
