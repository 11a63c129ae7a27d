package dev.gale.train;

/**
 * The run diverged: a cost NaN, infinite or a thousand times its scale, or a weight NaN or infinite
 * (see {@link Trainer}). The network keeps the weights of the last completed epoch, so nothing
 * trained before the divergence is lost.
 */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
