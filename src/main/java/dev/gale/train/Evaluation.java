package dev.gale.train;

/**
 * A network's cost on a dataset (data term plus its L2 penalty, as training minimises it) and, for
 * classifiers, the fraction of examples whose predicted class matches the target's. Accuracy is NaN
 * for mean-squared-error networks.
 */
public record Evaluation(double loss, double accuracy, int examples) {
}
