package dev.gale.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gale.compute.BackendProvider;
import dev.gale.compute.Backends;
import dev.gale.compute.DeviceDescription;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A device that is asked for by name and absent is an error naming what is present, never a fallback. */
class DeviceSpecTest {

    private static boolean tornadoPresent() {
        return Backends.providers().stream().map(BackendProvider::name).anyMatch("tornado"::equals);
    }

    @Test
    void anAbsentDeviceIsAnErrorListingThePresentOnes() {
        String spec = tornadoPresent() ? "tornado:0:99" : "tornado";
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Backends.open(spec, 1));
        for (DeviceDescription device : Backends.devices()) {
            assertTrue(error.getMessage().contains(device.spec()), () -> "'" + error.getMessage()
                    + "' does not list the present device " + device.spec());
        }
        assertTrue(!error.getMessage().contains("\n"), "the error is one line");
    }

    @Test
    void optionsMayFollowTheBestDevice() {
        assumeTrue(tornadoPresent(), "TornadoVM is not on this JVM");
        try (var backend = Backends.open("tornado,gemm=parallel", 1)) {
            assertTrue(backend.description().contains("@Parallel"), backend.description());
        }
    }

    /**
     * A training run on an OpenCL device with an OpenCL build option no driver accepts: every kernel fails
     * to compile, and the run ends with one line that says so, no stack trace and no terminal colours.
     */
    @Test
    void aKernelThatFailsToCompileEndsTheRunInOneLine(@TempDir Path dir) throws Exception {
        DeviceDescription device = openClDevices().stream().findFirst().orElse(null);
        assumeTrue(device != null, "no OpenCL device");
        Run run = gale(dir, List.of("-Dtornado.opencl.compiler.flags=-cl-no-such-option"), "", "train",
                "--data", "spirals", "--device", device.spec(), "--epochs", "1",
                "--out", dir.resolve("m.safetensors").toString());
        run.assertOneLineError("gale: error: the device could not run this step plan: ");
        assertTrue(run.galeLines().getFirst().contains("compile"), run.err());
        assertTrue(!dir.resolve("m.safetensors").toFile().exists(), "no model from a run that failed");
    }

    /**
     * With the OpenCL loader pointed at a folder of no drivers, TornadoVM cannot start: {@code gale devices}
     * says so on the tornado line, and a run on a device ends with that line.
     */
    @Test
    void noOpenClPlatformIsOneLine(@TempDir Path dir) throws Exception {
        List<DeviceDescription> tornado = Backends.devices().stream()
                .filter(device -> device.spec().startsWith("tornado")).toList();
        assumeTrue(!tornado.isEmpty() && openClDevices().equals(tornado), "TornadoVM's devices are not all OpenCL ones");
        Run devices = gale(dir, List.of(), dir.toString(), "devices");
        assertEquals(0, devices.code(), devices.err());
        assertTrue(devices.out().lines().anyMatch(line -> line.matches("tornado\\s+unavailable: TornadoVM could not "
                + "start: No OpenCL platforms found; install an OpenCL driver .* or pick --device cpu")), devices.out());
        gale(dir, List.of(), dir.toString(), "train", "--data", "spirals", "--device", "tornado", "--epochs", "1",
                "--out", dir.resolve("m.safetensors").toString())
                .assertOneLineError("gale: error: TornadoVM could not start: No OpenCL platforms found");
    }

    private static List<DeviceDescription> openClDevices() {
        if (!tornadoPresent()) {
            return List.of();
        }
        return Backends.devices().stream().filter(device -> device.description().contains("opencl")).toList();
    }

    private record Run(int code, String out, String err) {

        List<String> galeLines() {
            return err.lines().filter(line -> line.startsWith("gale: ")).toList();
        }

        void assertOneLineError(String start) {
            assertEquals(1, code, err);
            assertEquals(1, galeLines().size(), err);
            assertTrue(galeLines().getFirst().startsWith(start), err);
            assertTrue(!err.contains("\u001B"), "terminal colours in " + err);
            assertTrue(err.lines().noneMatch(line -> line.startsWith("\tat ") || line.startsWith("Exception")), err);
        }
    }

    /**
     * Gale's command line in a JVM of its own, with this JVM's options (TornadoVM's among them) and
     * {@code jvmOptions} after them, in {@code dir}; {@code openClVendors}, unless empty, is where the
     * OpenCL loader looks for drivers.
     */
    private static Run gale(Path dir, List<String> jvmOptions, String openClVendors, String... args)
            throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.gale.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        // TornadoVM writes a failed build's log under its home folder.
        builder.environment().put("TORNADOVM_HOME", dir.toString());
        if (!openClVendors.isEmpty()) {
            builder.environment().put("OCL_ICD_VENDORS", openClVendors);
        }
        Path out = dir.resolve("stdout.txt");
        Process process = builder.redirectOutput(out.toFile()).start();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the run did not end");
        return new Run(process.exitValue(), Files.readString(out), err);
    }

    @Test
    void malformedTornadoSpecsAreErrors() {
        for (String spec : new String[] {"tornado:0", "tornado:0:x", "tornado:0:0,tile=0", "tornado:0:0,tile=6",
                "tornado:0:0,tile=256", "tornado:0:0,tile=x", "tornado:0:0,gemm=fast",
                "tornado:nosuchbackend:0"}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> Backends.open(spec, 1),
                    spec);
            assertTrue(!error.getMessage().isBlank(), spec);
        }
    }
}
