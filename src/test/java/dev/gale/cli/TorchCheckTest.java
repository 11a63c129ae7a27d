package dev.gale.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs scripts/torch-check.py: a Gale model opened in PyTorch gives Gale's outputs. It needs python3
 * with torch; without them the test is reported as skipped (aborted), never as passed.
 */
class TorchCheckTest {

    @TempDir
    Path dir;

    @Test
    void pytorchComputesWhatGaleComputes() throws Exception {
        String python = pythonWithTorch();
        Assumptions.assumeTrue(python != null, "python3 with torch not found: the PyTorch check did NOT run");
        StringBuilder csv = new StringBuilder("label,a,b,c\n");
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 300; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian() * 10;
            csv.append(String.format(Locale.ROOT, "%d,%.4f,%.4f,%.4f%n", (a + b / 10 > 0 ? 1 : 0) + (a > 1 ? 1 : 0),
                    a, b, random.nextDouble(100)));
        }
        Path data = Files.writeString(dir.resolve("data.csv"), csv);
        for (String[] model : new String[][] {{"maxout:3", "standardize"}, {"leaky-relu:0.1", "scale"}, {"tanh", "none"}}) {
            Path file = dir.resolve("model.safetensors");
            Path predictions = dir.resolve("predictions.csv");
            assertEquals(0, CliTest.gale("train", "--data", data.toString(), "--layers", "8,6", "--activation", model[0],
                    "--normalize", model[1], "--epochs", "3", "--l2", "0.01", "--out", file.toString()).code());
            assertEquals(0, CliTest.gale("predict", "--model", file.toString(), "--data", data.toString(),
                    "--out", predictions.toString()).code());
            Process check = new ProcessBuilder(python, "scripts/torch-check.py", file.toString(), data.toString(),
                    predictions.toString()).redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            check.waitFor(120, TimeUnit.SECONDS);
            System.out.print("torch-check " + String.join(" ", model) + ": " + output);
            assertEquals(0, check.exitValue(), output);
        }
    }

    private static String pythonWithTorch() throws InterruptedException {
        for (String python : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process probe = new ProcessBuilder(python, "-c", "import torch, numpy").redirectErrorStream(true).start();
                probe.getInputStream().readAllBytes();
                if (probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return python;
                }
            } catch (IOException e) {
                // Not installed under this name; try the next.
            }
        }
        return null;
    }
}
