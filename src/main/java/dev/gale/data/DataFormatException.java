package dev.gale.data;

import java.io.IOException;

/** A data file that exists but cannot be used as it is; the message names the file and what is wrong. */
public final class DataFormatException extends IOException {
    public DataFormatException(String message) {
        super(message);
    }
}
