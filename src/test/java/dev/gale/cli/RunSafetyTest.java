package dev.gale.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gale.io.Safetensors;
import dev.gale.run.TrainSettings;
import dev.gale.run.TrainingRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bad-input sweep's cases around a run: nothing a user already has is lost, and every mistake is one line. */
class RunSafetyTest {

    @TempDir
    Path dir;

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    private static CliTest.Result train(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--layers", "16", "--epochs", "2", "--threads", "1"));
        args.addAll(List.of(extra));
        return CliTest.gale(args.toArray(String[]::new));
    }

    /** Two columns that say nothing: a model can only guess, and the majority (7 of 10) is class 1. */
    private Path uninformative() throws IOException {
        Path csv = dir.resolve("constant.csv");
        Files.writeString(csv, "0,5,5\n1,5,5\n1,5,5\n0,5,5\n1,5,5\n1,5,5\n0,5,5\n1,5,5\n1,5,5\n1,5,5\n");
        return csv;
    }

    @Test
    void aRunThatExplodesButStaysFiniteKeepsTheGoodModel() throws IOException {
        assertEquals(0, train("--data", "spirals", "--lr", "0.01", "--out", path("m.safetensors")).code());
        byte[] good = Files.readAllBytes(dir.resolve("m.safetensors"));
        CliTest.Result exploded = train("--data", "spirals", "--optimizer", "sgd", "--lr", "1e6",
                "--out", path("m.safetensors"));
        exploded.assertOneLineError("lower the learning rate");
        assertTrue(exploded.err().contains("nothing was saved to"), exploded.err());
        assertArrayEquals(good, Files.readAllBytes(dir.resolve("m.safetensors")));
    }

    @Test
    void aModelNoBetterThanAConstantNeverReplacesAnExistingOne() throws IOException {
        Path data = uninformative();
        Files.writeString(dir.resolve("m.safetensors"), "the user's earlier model");
        CliTest.Result kept = train("--data", data.toString(), "--val-split", "0", "--out", path("m.safetensors"));
        kept.assertOneLineError("no better than a constant prediction");
        assertEquals("the user's earlier model", Files.readString(dir.resolve("m.safetensors")));

        CliTest.Result saved = train("--data", data.toString(), "--val-split", "0", "--out", path("new.safetensors"));
        assertEquals(0, saved.code(), saved.err());
        assertTrue(saved.out().contains("warning: the model predicts no better than a constant"), saved.out());
        assertTrue(Files.exists(dir.resolve("new.safetensors")));
    }

    @Test
    void noOutputOverwritesAnInputAnotherOutputOrADevice() throws IOException {
        Path data = uninformative();
        byte[] csv = Files.readAllBytes(data);
        train("--data", data.toString(), "--out", data.toString()).assertOneLineError("is the input --data");
        Files.createSymbolicLink(dir.resolve("link.csv"), data);
        train("--data", data.toString(), "--out", path("link.csv")).assertOneLineError("is the input --data");
        train("--data", "spirals", "--out", path("m.safetensors"), "--log", path("m.safetensors"))
                .assertOneLineError("are the same file");
        train("--data", "spirals", "--out", path("m.safetensors"), "--plot", path("m.safetensors"))
                .assertOneLineError("are the same file");
        assertArrayEquals(csv, Files.readAllBytes(data));

        assertEquals(0, train("--data", "spirals", "--out", path("m.safetensors")).code());
        byte[] model = Files.readAllBytes(dir.resolve("m.safetensors"));
        CliTest.gale("predict", "--model", path("m.safetensors"), "--data", "spirals", "--out", path("m.safetensors"))
                .assertOneLineError("is the input --model");
        Path unlabeled = dir.resolve("points.csv");
        Files.writeString(unlabeled, "0.5,0.5\n");
        CliTest.gale("predict", "--model", path("m.safetensors"), "--data", unlabeled.toString(),
                "--out", unlabeled.toString()).assertOneLineError("is the input --data");
        assertArrayEquals(model, Files.readAllBytes(dir.resolve("m.safetensors")));
        assertEquals("0.5,0.5\n", Files.readString(unlabeled));

        Path device = Path.of("/dev/full");
        assumeTrue(Files.exists(device), "a device node to aim at");
        train("--data", "spirals", "--out", device.toString()).assertOneLineError("not a regular file");
    }

    @Test
    void badSettingsAreRefusedBeforeAnyWork() throws IOException {
        for (String[] bad : new String[][] {{"--val-split", "NaN"}, {"--val-split", "-0.2"}, {"--threads", "-3"},
            {"--layers", "2000000000"}, {"--layers", "256,128", "--activation", "maxout:100000"}, {"--batch", "0"},
            {"--augment", "shift:0"}, {"--augment", "rotate:3"}, {"--augment", "shift:1:1.5"}, {"--augment", "shift:x"}}) {
            CliTest.Result result = train(concat(bad, "--data", "spirals", "--out", path("m.safetensors")));
            result.assertOneLineError(bad[0].equals("--layers") ? "more than a Java array holds" : bad[0]);
            assertFalse(result.out().contains("epoch 1/"), String.join(" ", bad));
        }
        Files.createDirectories(dir.resolve("ckpt/last.safetensors"));
        CliTest.Result result = train("--data", "spirals", "--out", path("m.safetensors"), "--checkpoint-dir", path("ckpt"));
        result.assertOneLineError("is a folder");
        assertFalse(result.out().contains("epoch 1/"), "the checkpoint is checked before training");
        assertFalse(Files.exists(dir.resolve("m.safetensors")));
    }

    @Test
    void augmentationMovesIdxImagesAndRefusesWhatItCannotMove() throws IOException {
        // Three images of 2 x 2 pixels, three classes.
        Path images = Files.createDirectory(dir.resolve("images"));
        Files.write(images.resolve("train-images-idx3-ubyte"), idx(new byte[] {0, 0, 8, 3, 3, 2, 2, 2, 0, 10, 1, 1},
                new byte[] {3, 2, 2}));
        Files.write(images.resolve("train-labels-idx1-ubyte"), idx(new byte[] {0, 1, 2}, new byte[] {3}));
        String[] idx = {"--data", images.toString(), "--val-split", "0", "--classes", "3", "--out", path("m.safetensors")};
        CliTest.Result moved = train(concat(idx, "--augment", "shift:1:0.5"));
        assertEquals(0, moved.code(), moved.err());
        String settings = Safetensors.read(dir.resolve("m.safetensors")).metadata().get(TrainingRun.TRAINING_KEY);
        assertTrue(settings.contains("\"augment\":\"shift:1:0.5\""), settings);
        train(concat(idx, "--augment", "shift:2")).assertOneLineError("shift by fewer than 2 pixels");
        train(concat(idx, "--augment", "shift:1", "--normalize", "standardize"))
                .assertOneLineError("use --normalize scale or none");
        train(concat(idx, "--augment", "shift:1", "--optimizer", "cg")).assertOneLineError("conjugate gradient");
        train("--data", "spirals", "--augment", "shift:1", "--out", path("s.safetensors"))
                .assertOneLineError("does not say that its rows are images");
    }

    @Test
    void runningOutOfHeapIsOneLine() throws Exception {
        // 2.25 million parameters (9 MB) fit the heap's check; with gradients and Adam's two moments they do not.
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx24m",
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--data", "spirals", "--layers", "1500,1500", "--epochs", "1", "--out", path("m.safetensors"));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        List<String> lines = err.lines().filter(line -> !line.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(List.of("gale: error: out of memory: give Java more heap with JAVA_OPTS=-Xmx8g"), lines, err);
        assertEquals(1, process.exitValue());
    }

    @Test
    void threadsBeyondTheCoresAreCappedWithANote() {
        CliTest.Result result = train("--data", "xor", "--output", "sigmoid", "--epochs", "1", "--threads", "100000",
                "--out", path("m.safetensors"));
        assertEquals(0, result.code(), result.err());
        int cores = Runtime.getRuntime().availableProcessors();
        assertTrue(result.err().contains("--threads 100000 is more than this machine's " + cores + " cores; using "
                + cores), result.err());
    }

    @Test
    void debugAfterTheSubcommandShowsTheStackTrace() {
        CliTest.Result result = train("--data", "spirals", "--val-split", "2", "--debug");
        assertTrue(result.err().startsWith("gale: error: --val-split"), result.err());
        assertTrue(result.err().contains("IllegalArgumentException"), result.err());
    }

    @Test
    void aSingleTargetWithTheDefaultSoftmaxSuggestsSigmoid() {
        train("--data", "xor", "--out", path("m.safetensors")).assertOneLineError("use --output sigmoid");
    }

    @Test
    void aStrayLabelIsAMistakeUnlessTheClassesAreGiven() throws IOException {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 60; i++) {
            csv.append(i % 3).append(',').append(i % 7).append(',').append(i % 5).append('\n');
        }
        Path data = dir.resolve("stray.csv");
        Files.writeString(data, csv + "200,1,1\n");
        train("--data", data.toString(), "--out", path("m.safetensors")).assertOneLineError("is label 200");
        CliTest.Result given = train("--data", data.toString(), "--classes", "201", "--out", path("m.safetensors"));
        assertEquals(0, given.code(), given.err());
        assertTrue(given.out().contains("-> 201 softmax"), given.out());
    }

    @Test
    void aLossWithoutItsOutputNamesTheOutputToUse() {
        train("--data", "spirals", "--loss", "mse").assertOneLineError("use --output identity");
        train("--data", "spirals", "--loss", "logistic").assertOneLineError("use --output sigmoid");
    }

    @Test
    void exportWritesOnnxWithTheTrainingSettingsAndRefusesBadModelsInOneLine() throws Exception {
        assertEquals(0, train("--data", "spirals", "--out", path("m.safetensors")).code());
        CliTest.Result exported = CliTest.gale("export", "--model", path("m.safetensors"), "--onnx", path("m.onnx"));
        assertEquals(0, exported.code(), exported.err());
        String onnx = new String(Files.readAllBytes(dir.resolve("m.onnx")), StandardCharsets.ISO_8859_1);
        assertTrue(onnx.contains("gale.training") && onnx.contains("\"layers\":\"16\""), "the settings travel along");
        CliTest.gale("export", "--model", path("m.safetensors"), "--onnx", path("m.safetensors"))
                .assertOneLineError("is the input --model");
        Files.writeString(dir.resolve("bad.safetensors"), "not a model");
        CliTest.gale("export", "--model", path("bad.safetensors"), "--onnx", path("bad.onnx"))
                .assertOneLineError("bad.safetensors");
        assertFalse(Files.exists(dir.resolve("bad.onnx")));
    }

    @Test
    void theLibrarysDefaultsAreTheCommandLines() {
        CommandLine line = new CommandLine(new TrainCommand());
        line.parseArgs("--data", "spirals");
        assertEquals(TrainSettings.builder("spirals").build(), ((TrainCommand) line.getCommand()).settings());
    }

    /** An IDX file of unsigned bytes with the given dimension sizes. */
    private static byte[] idx(byte[] data, byte[] sizes) {
        byte[] file = new byte[4 + 4 * sizes.length + data.length];
        file[2] = 0x08;
        file[3] = (byte) sizes.length;
        for (int d = 0; d < sizes.length; d++) {
            file[7 + 4 * d] = sizes[d];
        }
        System.arraycopy(data, 0, file, 4 + 4 * sizes.length, data.length);
        return file;
    }

    private static String[] concat(String[] first, String... rest) {
        List<String> all = new ArrayList<>(List.of(first));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }
}
