package dev.gale.train;

/**
 * The cost became NaN or infinite. The network keeps the weights of the last completed epoch, so
 * nothing trained before the divergence is lost.
 */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
