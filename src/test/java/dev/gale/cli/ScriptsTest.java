package dev.gale.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scripts as a user runs them: what reaches the terminal, and their exit codes. */
class ScriptsTest {

    @TempDir
    Path dir;

    @Test
    void galeShowsEverythingOnStderrButTheIncubatorWarning() throws Exception {
        Path gale = projectWithCurrentJar().resolve("scripts/gale");

        CliTest.Result gradcheck = run(gale, "gradcheck");
        assertEquals(0, gradcheck.code(), gradcheck.err());
        assertTrue(gradcheck.out().contains("ok"), gradcheck.out());
        assertEquals("", gradcheck.err());

        CliTest.Result mistake = run(gale, "gradcheck", "--layers", "x");
        mistake.assertOneLineError("--layers expects whole numbers");
        assertEquals(Main.FAILED, mistake.code());
        assertEquals(2, run(gale, "gradcheck", "--no-such-option").code(), "picocli's code for a bad command line");
    }

    @Test
    void galePutsTheHeapOnHugePagesWhereLinuxOffersThem() throws Exception {
        Path gale = projectWithCurrentJar().resolve("scripts/gale");

        CliTest.Result run = run(Map.of("JAVA_OPTS", "-XX:+PrintFlagsFinal"), gale, "gradcheck");
        assertEquals(0, run.code(), run.err());
        Matcher flag = Pattern.compile("bool UseTransparentHugePages\\s*=\\s*(\\w+)").matcher(run.out());
        assertTrue(flag.find(), "the JVM lists its flags");
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        boolean offered = Files.isReadable(mode)
                && Pattern.compile("\\[(always|madvise)]").matcher(Files.readString(mode)).find();
        assertEquals(offered, Boolean.parseBoolean(flag.group(1)), "huge pages offered: " + offered);
    }

    @Test
    void trainSaysWhenDataHasNoFolder() throws Exception {
        for (String missing : new String[] {"--data", "--data="}) {
            CliTest.Result result = run(Path.of("scripts/train").toAbsolutePath(), missing);
            result.assertOneLineError("--data needs the folder");
            assertEquals(2, result.code());
        }
    }

    @Test
    void benchHeaderSaysWhenOpenBlasRunsKernelsOfAnotherWidthThanGale() throws Exception {
        Path machine = Files.writeString(dir.resolve("machine.json"), """
                {"cpu": "a CPU", "backend": "cpu (1 thread, vector kernels 512-bit)", "vectorBits": 512,
                 "peak": {"1": 200.0}, "hugePages": true}
                """);
        Path table = Path.of("scripts/bench_table.py").toAbsolutePath();
        CliTest.Result unlike;
        try {
            unlike = run(Map.of("OPENBLAS_CORETYPE", "Haswell", "GALE_OPENBLAS_OWN", "SkylakeX"), Path.of("python3"),
                    table.toString(), "--machine", machine.toString());
        } catch (IOException noPython) {
            Assumptions.abort("python3 not found: scripts/bench's header was not checked");
            return;
        }
        assertEquals(0, unlike.code(), unlike.err());
        assertTrue(unlike.out().contains("OpenBLAS kernels: Haswell (OPENBLAS_CORETYPE set before the run;"
                + " SkylakeX would match Gale's vector width)\n"), unlike.out());
        CliTest.Result like = run(Map.of("OPENBLAS_CORETYPE", "SkylakeX", "GALE_OPENBLAS_OWN", "SkylakeX"),
                Path.of("python3"), table.toString(), "--machine", machine.toString());
        assertTrue(like.out().contains("OpenBLAS kernels: SkylakeX\n"), like.out());
    }

    /**
     * A copy of the scripts in a project whose jar is up to date, so that scripts/gale runs Gale without
     * building it: the jar is empty, and its manifest puts these tests' class path on the class path.
     */
    private Path projectWithCurrentJar() throws IOException {
        Path project = dir.resolve("project");
        Path scripts = Files.createDirectories(project.resolve("scripts"));
        for (String script : new String[] {"gale", "maven.sh", "jdk.sh", "tornado.sh"}) {
            Files.copy(Path.of("scripts", script), scripts.resolve(script), StandardCopyOption.COPY_ATTRIBUTES);
        }
        Matcher jarName = Pattern.compile("target/(gale-[^\"/]*\\.jar)").matcher(Files.readString(scripts.resolve("gale")));
        assertTrue(jarName.find(), "scripts/gale names its jar");
        Files.createDirectories(project.resolve("target/lib"));
        Path jar = project.resolve("target").resolve(jarName.group(1));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, Stream.of(System.getProperty("java.class.path")
                .split(File.pathSeparator)).map(entry -> Path.of(entry).toUri().toString()).collect(Collectors.joining(" ")));
        new JarOutputStream(Files.newOutputStream(jar), manifest).close();

        Files.createDirectories(project.resolve("src/main"));
        Files.createDirectories(project.resolve("src/tornado"));
        Files.createFile(project.resolve("pom.xml"));
        Instant now = Instant.now();
        for (String source : new String[] {"pom.xml", "src/main", "src/tornado"}) {
            Files.setLastModifiedTime(project.resolve(source), FileTime.from(now.minus(2, ChronoUnit.HOURS)));
        }
        Files.setLastModifiedTime(jar, FileTime.from(now.minus(1, ChronoUnit.HOURS)));
        // Newer than the jar: what the launcher records after building it, here for no TornadoVM SDK.
        Files.writeString(project.resolve("target/gale-jar.tornado-sdk"), "");
        return project;
    }

    private static CliTest.Result run(Path script, String... args) throws Exception {
        return run(Map.of(), script, args);
    }

    private static CliTest.Result run(Map<String, String> environment, Path script, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeAll(List.of("TORNADO_SDK", "TORNADOVM_HOME", "JAVA_OPTS"));
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        // Each pipe ends when its last writer does: for stderr, the filter scripts/gale puts on it.
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> text(process.errorReader()));
        String out = text(process.inputReader());
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the script ends");
        return new CliTest.Result(process.exitValue(), out, err.get(60, TimeUnit.SECONDS));
    }

    private static String text(BufferedReader reader) {
        return reader.lines().map(line -> line + "\n").collect(Collectors.joining());
    }
}
