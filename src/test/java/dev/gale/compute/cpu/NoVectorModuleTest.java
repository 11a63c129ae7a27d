package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The scalar path on a JVM without {@code jdk.incubator.vector}, which must never load the vector kernels. */
class NoVectorModuleTest {

    @Test
    void theScalarPathRunsAndTheVectorKernelsAreNeverLoaded() throws IOException, InterruptedException, URISyntaxException {
        String classPath = location(CpuBackend.class) + File.pathSeparator + location(NoVectorModuleMain.class);
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info", "-cp", classPath, NoVectorModuleMain.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        List<String> lines = output.lines().filter(line -> !line.contains("[class,load]")).toList();
        assertEquals(0, process.exitValue(), String.join("\n", lines));
        assertTrue(lines.contains("scalar fallback ok"), String.join("\n", lines));
        assertTrue(output.contains(ScalarKernels.class.getName() + " "), "the class log misses the scalar kernels");
        assertFalse(output.contains(VectorKernels.class.getName()), "the vector kernels were loaded");
        assertFalse(output.contains("jdk.incubator.vector"), "the vector module was touched");
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }
}
