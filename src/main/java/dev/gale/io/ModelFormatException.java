package dev.gale.io;

import java.io.IOException;

/** A model or checkpoint file that cannot be read as one; the message names the file and the problem. */
public final class ModelFormatException extends IOException {
    public ModelFormatException(String message) {
        super(message);
    }
}
