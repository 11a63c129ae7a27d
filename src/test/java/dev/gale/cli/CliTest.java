package dev.gale.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gale.compute.Backends;
import dev.gale.compute.DeviceDescription;
import dev.gale.data.DataSpec;
import dev.gale.io.ModelFile;
import dev.gale.run.MetricsLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {

    @TempDir
    Path dir;

    record Result(int code, String out, String err) {
        /** A user mistake: one line naming it, no stack trace, a failing exit code. */
        void assertOneLineError(String expected) {
            assertTrue(code != 0, "exit code " + code);
            List<String> lines = err.lines().toList();
            assertEquals(1, lines.size(), err);
            assertTrue(lines.getFirst().startsWith("gale: error: "), err);
            assertTrue(lines.getFirst().contains(expected), err);
        }
    }

    static Result gale(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    private String path(String name) {
        return dir.resolve(name).toString();
    }

    private Result trainSpirals(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", "spirals", "--layers", "32,32",
                "--lr", "0.01", "--epochs", "4", "--threads", "2", "--out", path("model.safetensors")));
        args.addAll(List.of(extra));
        return gale(args.toArray(String[]::new));
    }

    @Test
    void trainEvaluateAndPredict() throws IOException {
        Result train = trainSpirals("--log", path("log.csv"), "--plot", path("curves.png"), "--early-stop", "3");
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("test accuracy"), train.out());
        List<String> log = Files.readAllLines(dir.resolve("log.csv"));
        assertEquals(MetricsLog.HEADER, log.getFirst());
        assertEquals(5, log.size());
        assertEquals(7, log.get(1).split(",", -1).length);
        assertFalse(log.get(1).split(",")[3].isEmpty(), "training accuracy is measured: " + log.get(1));
        assertTrue(Files.size(dir.resolve("curves.png")) > 1000);
        assertTrue(Files.size(dir.resolve("curves-confusion.png")) > 1000);
        assertTrue(Files.size(dir.resolve("model.safetensors.checkpoint.safetensors")) > 0,
                "every run checkpoints each epoch next to its model");

        Result evaluate = gale("evaluate", "--model", path("model.safetensors"), "--data", "spirals", "--json");
        assertEquals(0, evaluate.code(), evaluate.err());
        JsonObject json = JsonParser.parseString(evaluate.out()).getAsJsonObject();
        for (String key : new String[] {"loss", "accuracy", "confusion", "per_class"}) {
            assertTrue(json.has(key), key);
        }
        assertEquals(3, json.getAsJsonArray("confusion").size());
        assertEquals(3, json.getAsJsonArray("per_class").size());
        Result table = gale("evaluate", "--model", path("model.safetensors"), "--data", "spirals", "--device", "reference");
        assertTrue(table.out().contains("confusion matrix") && table.out().contains("precision"), table.out());
        assertTrue(table.out().contains("device    reference"), table.out());

        Result predict = gale("predict", "--model", path("model.safetensors"), "--data", "spirals", "--out", path("p.csv"));
        assertEquals(0, predict.code(), predict.err());
        List<String> rows = Files.readAllLines(dir.resolve("p.csv"));
        assertEquals("row,class,p0,p1,p2", rows.getFirst());
        assertEquals(DataSpec.load("spirals", 0, 0, 1).test().rows() + 1, rows.size());
        assertTrue(predict.err().startsWith("gale: predicting on cpu"), predict.err());

        Files.writeString(dir.resolve("points.csv"), "x,y\n0.1,0.2\n-0.5,0.4\n");
        Result unlabeled = gale("predict", "--model", path("model.safetensors"), "--data", path("points.csv"));
        assertEquals(0, unlabeled.code(), unlabeled.err());
        assertEquals(3, unlabeled.out().lines().count(), unlabeled.out());
    }

    @Test
    void theModelCarriesItsNormalisation() throws IOException {
        Path csv = Files.writeString(dir.resolve("d.csv"), "y,a,b\n0,100,1\n1,300,2\n0,120,1\n1,280,3\n0,90,2\n1,310,1\n");
        assertEquals(0, gale("train", "--data", csv.toString(), "--normalize", "standardize", "--val-split", "0",
                "--layers", "4", "--epochs", "2", "--out", path("m.safetensors")).code());
        ModelFile.Model model = ModelFile.load(dir.resolve("m.safetensors"));
        assertEquals(2, model.normalization().offset().length);
        assertEquals(200f, model.normalization().offset()[0], 1e-3f);
    }

    @Test
    void badInputGivesOneLineAndNoStackTrace() throws IOException {
        assertEquals(0, trainSpirals().code());
        Path idx = Files.createDirectory(dir.resolve("idx"));
        gale("train", "--data", idx.toString()).assertOneLineError("train-images-idx3-ubyte");
        gale("train", "--data", path("absent")).assertOneLineError("no data at");
        Files.write(idx.resolve("train-images-idx3-ubyte"), new byte[] {0, 0, 8, 3, 0, 0, 0, 9, 0, 0, 0, 2, 0, 0, 0, 2, 1});
        Files.write(idx.resolve("train-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 9, 1});
        gale("train", "--data", idx.toString()).assertOneLineError("truncated");
        Files.writeString(dir.resolve("ragged.csv"), "1,2,3\n0,1\n");
        gale("train", "--data", path("ragged.csv")).assertOneLineError("line 2 has 2 fields");
        Files.writeString(dir.resolve("three.csv"), "1,2,3,4\n0,1,2,3\n2,1,1,1\n");
        gale("evaluate", "--model", path("model.safetensors"), "--data", path("three.csv"))
                .assertOneLineError("the model takes 2 inputs");
        gale("train", "--data", "spirals", "--device", "no-such-device").assertOneLineError("cannot open device");
        gale("train", "--data", "spirals", "--optimizer", "rmsprop").assertOneLineError("unknown --optimizer");
        gale("train", "--data", "spirals", "--activation", "softmax").assertOneLineError("--activation");
        gale("evaluate", "--model", path("nothing.safetensors"), "--data", "spirals").assertOneLineError("does not exist");
        Files.writeString(dir.resolve("labels.csv"), "0,1,2\n5,1,1\n");
        gale("evaluate", "--model", path("model.safetensors"), "--data", path("labels.csv"))
                .assertOneLineError("label 5 is out of range for 3 classes");
        gale("evaluate", "--model", path("model.safetensors"), "--data", "blobs").assertOneLineError("4 classes");
        gale("train", "--resume", path("model.safetensors")).assertOneLineError("not a checkpoint");
    }

    @Test
    void anUnwritableOutputFailsBeforeTrainingAndKeepsTheOldModel() throws IOException {
        assertEquals(0, trainSpirals().code());
        byte[] before = Files.readAllBytes(dir.resolve("model.safetensors"));
        Result result = gale("train", "--data", "spirals", "--out", path("no/such/folder/m.safetensors"));
        result.assertOneLineError("does not exist");
        assertFalse(result.out().contains("epoch 1/"), "nothing was trained");
        gale("train", "--data", "spirals", "--out", dir.toString()).assertOneLineError("is a folder");
        assertArrayEquals(before, Files.readAllBytes(dir.resolve("model.safetensors")));
    }

    @Test
    void aDivergingRunStopsKeepsTheCheckpointAndSavesNothing() throws IOException {
        assertEquals(0, trainSpirals("--checkpoint-dir", path("ckpt")).code());
        byte[] model = Files.readAllBytes(dir.resolve("model.safetensors"));
        byte[] checkpoint = Files.readAllBytes(dir.resolve("ckpt/last.safetensors"));
        Result result = trainSpirals("--optimizer", "sgd", "--lr", "1e30", "--checkpoint-dir", path("ckpt"));
        result.assertOneLineError("lower the learning rate");
        assertArrayEquals(model, Files.readAllBytes(dir.resolve("model.safetensors")), "the old model is intact");
        assertArrayEquals(checkpoint, Files.readAllBytes(dir.resolve("ckpt/last.safetensors")), "so is the checkpoint");
    }

    @Test
    void devicesListsWhatBackendsReports() {
        Result result = gale("devices");
        assertEquals(0, result.code(), result.err());
        for (DeviceDescription device : Backends.devices()) {
            assertTrue(result.out().lines().anyMatch(line -> line.startsWith(device.spec() + " ")
                    && line.endsWith(device.description())), device + " in\n" + result.out());
        }
        assertTrue(result.out().lines().anyMatch(line -> line.startsWith("cpu ")), result.out());
    }

    @Test
    void theReadmesGradcheckExampleRuns() throws IOException {
        Matcher example = Pattern.compile("`gale gradcheck \\[(.*?) …]`").matcher(Files.readString(Path.of("README.md")));
        assertTrue(example.find(), "README.md shows gradcheck's options");
        List<String> args = new ArrayList<>(List.of("gradcheck"));
        args.addAll(List.of(example.group(1).split(" ")));
        Result result = gale(args.toArray(String[]::new));
        assertEquals(0, result.code(), args + ": " + result.err());
    }

    @Test
    void gradcheckPasses() {
        Result result = gale("gradcheck", "--activation", "tanh", "--l2", "0.3");
        assertEquals(0, result.code(), result.err());
        assertTrue(result.out().contains("relative difference") && result.out().contains("ok"), result.out());
    }
}
