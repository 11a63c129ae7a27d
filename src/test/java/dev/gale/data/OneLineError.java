package dev.gale.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.function.Executable;

/** What a user sees of a bad input file: one line that names the file and what is wrong with it. */
public final class OneLineError {

    private OneLineError() {
    }

    /** The message of the {@code type} that {@code reading} throws: one line naming {@code file}, and {@code parts}. */
    public static String assertThrown(Class<? extends IOException> type, Path file, Executable reading,
                                      String... parts) {
        String message = assertThrows(type, reading).getMessage();
        assertEquals(1, message.lines().count(), message);
        assertTrue(message.contains(file.toString()), message);
        for (String part : parts) {
            assertTrue(message.contains(part), "'" + part + "' is not in: " + message);
        }
        return message;
    }
}
