package dev.gale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.io.OnnxExport;
import dev.gale.run.TrainSettings;
import dev.gale.run.TrainingRun;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java examples, compiled and run as a user would, so the documentation cannot rot. */
class ReadmeExampleTest {

    @TempDir
    Path dir;

    @Test
    void theTrainerExampleCompilesRunsAndLearns() throws Exception {
        String printed = run(dir, example("Spirals"));
        Matcher accuracy = Pattern.compile("training accuracy (\\d+\\.\\d+)").matcher(printed);
        assertTrue(accuracy.find(), "the example prints its accuracy");
        assertTrue(Double.parseDouble(accuracy.group(1)) >= 0.95, printed);
        assertEquals(4, List.of(printed.split("\n")).stream().filter(l -> l.startsWith("epoch")).count());
    }

    @Test
    void theTrainingRunExampleCompilesAndRunsTheJobOnAnyData() throws Exception {
        Path out = dir.resolve("run");
        String printed = run(dir, example("FashionMnist"), "spirals", out.toString());
        Matcher accuracy = Pattern.compile("test accuracy (\\d+\\.\\d+)").matcher(printed);
        assertTrue(accuracy.find(), printed);
        assertTrue(Double.parseDouble(accuracy.group(1)) > 0.5, printed);
        for (String file : new String[] {"model.safetensors", "metrics.csv", "checkpoints/last.safetensors"}) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
    }

    @Test
    void theOnnxRuntimeExampleGivesGalesTestAccuracy() throws Exception {
        TrainSettings settings = TrainSettings.builder("spirals").layers("32,32").lr(0.01).epochs(20).build();
        Path model = dir.resolve("model.safetensors");
        Path onnx = dir.resolve("model.onnx");
        double galeAccuracy;
        try (Backend cpu = Backends.open("cpu", 0)) {
            galeAccuracy = TrainingRun.start(settings, TrainingRun.Outputs.of(model)).run(cpu, new TrainingRun.Listener() {
            }).evaluation().accuracy();
        }
        OnnxExport.export(model, onnx);
        String printed = run(dir, example("OnnxAccuracy"), onnx.toString(), "spirals");
        Matcher accuracy = Pattern.compile("ONNX Runtime test accuracy (\\d+\\.\\d+) on 300 examples").matcher(printed);
        assertTrue(accuracy.find(), printed);
        assertEquals(String.format(Locale.ROOT, "%.4f", galeAccuracy), accuracy.group(1));
    }

    /** The README's java block that declares {@code public class name}. */
    static String example(String name) throws IOException {
        Matcher block = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("README.md")));
        while (block.find()) {
            if (block.group(1).contains("public class " + name + " ")) {
                return block.group(1);
            }
        }
        throw new AssertionError("README.md has no java example of class " + name);
    }

    /** Compiles {@code source} into {@code dir} and runs its main class with {@code args}; what it printed. */
    static String run(Path dir, String source, String... args) throws Exception {
        Matcher name = Pattern.compile("public class (\\w+)").matcher(source);
        assertTrue(name.find(), "the example has a public class");
        Path file = dir.resolve(name.group(1) + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int status = javac.run(null, null, null, "-d", dir.toString(),
                "-cp", System.getProperty("java.class.path"), file.toString());
        assertEquals(0, status, "the README example compiles");

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                ReadmeExampleTest.class.getClassLoader())) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            Method main = loader.loadClass(name.group(1)).getMethod("main", String[].class);
            main.invoke(null, (Object) args);
        } finally {
            System.setOut(out);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        out.print(printed);
        return printed;
    }
}
