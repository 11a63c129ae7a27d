package dev.gale.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.io.ModelFile;
import dev.gale.nn.Network;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real process stopped by SIGINT (Ctrl-C) mid-run writes a checkpoint of its last
 * completed epoch, and {@code --resume} from it ends with exactly the weights of an uninterrupted run.
 */
class InterruptAndResumeTest {

    @TempDir
    Path dir;

    private List<String> args(String out, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", "spirals", "--layers", "16,16", "--batch", "4",
                "--optimizer", "adam", "--lr", "0.003", "--schedule", "cosine:0.1", "--epochs", "150",
                "--early-stop", "150", "--threads", "1", "--out", dir.resolve(out).toString()));
        args.addAll(List.of(extra));
        return args;
    }

    @Test
    void aSignalledRunResumesToTheUninterruptedWeights() throws Exception {
        String checkpoint = dir.resolve("ckpt").toString();
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args("interrupted.safetensors", "--checkpoint-dir", checkpoint));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.add(line);
                if (line.startsWith("epoch 3/")) {
                    new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor();
                }
            }
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        String text = String.join("\n", output);
        assertNotEquals(0, process.exitValue(), text);
        assertTrue(text.contains("interrupted after epoch"), text);
        assertTrue(text.contains("--resume " + checkpoint) && text.contains("--out "), text);

        CliTest.Result whole = CliTest.gale(args("whole.safetensors").toArray(String[]::new));
        assertEquals(0, whole.code(), whole.err());
        CliTest.Result resumed = CliTest.gale("train", "--resume", checkpoint + "/last.safetensors", "--threads", "2",
                "--out", dir.resolve("resumed.safetensors").toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("resuming"), resumed.out());

        Network a = ModelFile.load(dir.resolve("whole.safetensors")).network();
        Network b = ModelFile.load(dir.resolve("resumed.safetensors")).network();
        for (int l = 0; l < a.layers().size(); l++) {
            assertArrayEquals(a.weights(l), b.weights(l), "layer " + l + " weights");
            assertArrayEquals(a.bias(l), b.bias(l), "layer " + l + " biases");
        }
    }
}
