package dev.gale.spark;

/**
 * Another worker of a data-parallel run did not answer in time, closed its connection or could not
 * be reached. It ends the task, and so restarts the whole barrier stage.
 */
public final class PeerFailedException extends RuntimeException {

    public PeerFailedException(String message) {
        super(message);
    }
}
