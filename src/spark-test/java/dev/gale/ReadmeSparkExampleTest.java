package dev.gale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Spark example, compiled and run as a user would. */
class ReadmeSparkExampleTest {

    @TempDir
    Path dir;

    @Test
    void theDatasetExampleTrainsOnTwoWorkers() throws Exception {
        Path out = dir.resolve("run");
        String printed = ReadmeExampleTest.run(dir, ReadmeExampleTest.example("SparkRows"), out.toString());
        Matcher accuracy = Pattern.compile("validation accuracy (\\d+\\.\\d+)").matcher(printed);
        assertTrue(accuracy.find(), printed);
        // Two classes split by a line: a network that learned anything is far above a coin's 0.5.
        assertTrue(Double.parseDouble(accuracy.group(1)) > 0.9, printed);
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertEquals(10, printed.lines().filter(line -> line.startsWith("epoch ")).count(), "each epoch told once");
    }
}
