package dev.gale.cli;

import static dev.gale.cli.CliTest.gale;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code gale train --spark}: a run in local mode, and the mistakes a user can make, each one line. */
class SparkTrainCommandTest {

    @TempDir
    Path dir;

    private CliTest.Result train(String... extra) {
        String[] args = {"train", "--data", "spirals", "--layers", "16", "--lr", "0.01", "--epochs", "2",
                "--out", dir.resolve("model.safetensors").toString()};
        String[] all = new String[args.length + extra.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return gale(all);
    }

    @Test
    void trainsOnTwoLocalWorkers() {
        CliTest.Result result = train("--spark", "local[2]", "--workers", "2");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("gale: training on Spark at local[2]"), result.out());
        assertTrue(result.out().contains("test accuracy"), result.out());
        assertEquals(2, result.out().lines().filter(line -> line.startsWith("epoch ")).count(), result.out());
        assertTrue(Files.exists(dir.resolve("model.safetensors")));
    }

    @Test
    void moreWorkersThanLocalSlotsIsOneLine() {
        train("--spark", "local[2]", "--workers", "3").assertOneLineError("--workers 3 needs 3 task slots");
    }

    @Test
    void aMasterSparkCannotParseIsOneLine() {
        train("--spark", "nowhere").assertOneLineError("cannot start Spark with master 'nowhere'");
    }

    @Test
    void withoutSparkOnTheClassPathItIsOneLineThatSaysHowToGetIt() throws Exception {
        // Gale's classes, the Spark module's among them, and every jar but Spark's own: what a jar built
        // with the module sees when it runs without Spark.
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("spark-"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules=jdk.incubator.vector", "-cp", classPath, Main.class.getName(), "train", "--data",
                "spirals", "--spark", "local[2]", "--out", dir.resolve("m.safetensors").toString());
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        List<String> lines = err.lines().filter(line -> !line.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.getFirst().startsWith("gale: error: --spark needs Gale's Spark module and Spark"), err);
        assertEquals(1, process.exitValue());
    }

    @Test
    void workersWithoutSparkIsOneLine() {
        train("--workers", "2").assertOneLineError("--workers needs --spark");
    }

    @Test
    void noWorkersIsOneLine() {
        train("--spark", "local[2]", "--workers", "-1").assertOneLineError("--workers must be 0");
    }
}
