package dev.gale.train;

/**
 * A network's cost on a dataset (data term plus its L2 penalty, as training minimises it) and, for
 * classifiers, the confusion matrix of predicted against true classes and the accuracy it gives.
 * Mean-squared-error networks have no classes: accuracy NaN, confusion null.
 */
public record Evaluation(double loss, double accuracy, int examples, ConfusionMatrix confusion) {
}
