package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.Backend;
import dev.gale.compute.BackendProvider;
import dev.gale.compute.Backends;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.DeviceDescription;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import dev.gale.compute.reference.ReferenceBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuBackendTest {

    /** The cache sizes a description names, marked where the operating system reports none. */
    private static final String CACHES = "L2 \\d+ KiB( \\(assumed\\))?, (L3 \\d+ KiB|no L3)( \\(assumed\\))?";

    @Test
    void theTestJvmHasTheVectorModule() {
        assertTrue(CpuBackend.vectorAvailable(), "surefire runs with --add-modules=jdk.incubator.vector");
    }

    @Test
    void describesThreadsAndKernels() {
        try (CpuBackend vector = new CpuBackend(2, true);
             CpuBackend scalar = new CpuBackend(1, false);
             CpuBackend everyCore = new CpuBackend(0)) {
            String machine = ", tile \\d+x\\d+, " + CACHES + "\\)";
            assertMatches("cpu \\(2 threads, vector kernels \\d+-bit" + machine, vector.description());
            assertMatches("cpu \\(1 thread, scalar kernels, tile 4x8, " + CACHES + "\\)", scalar.description());
            int cores = Runtime.getRuntime().availableProcessors();
            assertMatches("cpu \\(" + cores + (cores == 1 ? " thread" : " threads") + ", vector kernels \\d+-bit"
                    + machine, everyCore.description());
        }
    }

    @Test
    void buffersStartAtZeroAndCopyInAndOut() {
        try (CpuBackend backend = new CpuBackend(1)) {
            Buffer buffer = backend.allocate(5);
            assertEquals(5, buffer.length());
            float[] out = new float[5];
            backend.read(buffer, out);
            assertArrayEquals(new float[5], out);
            backend.write(buffer, new float[] {1, 2, 3});
            backend.read(buffer, out);
            assertArrayEquals(new float[] {1, 2, 3, 0, 0}, out);
            float[] prefix = new float[2];
            backend.read(buffer, prefix);
            assertArrayEquals(new float[] {1, 2}, prefix);
        }
    }

    @Test
    void rejectsBuffersOfOtherBackends() {
        try (CpuBackend backend = new CpuBackend(1); ReferenceBackend reference = new ReferenceBackend()) {
            Buffer foreign = reference.allocate(4);
            Buffer own = backend.allocate(4);
            assertThrows(IllegalArgumentException.class, () -> backend.write(foreign, new float[4]));
            StepPlan plan = new StepPlan("mixed", List.of(new Op.Gemm(own, false, foreign, false, own, 2, 2, 2, 1, 0)));
            assertThrows(IllegalArgumentException.class, () -> backend.compile(plan));
        }
    }

    @Test
    void theScalarKernelsMultiply() {
        try (CpuBackend backend = new CpuBackend(2, false)) {
            Buffer a = backend.allocate(4);
            Buffer b = backend.allocate(4);
            Buffer c = backend.allocate(4);
            backend.write(a, new float[] {1, 2, 3, 4});
            backend.write(b, new float[] {5, 6, 7, 8});
            backend.write(c, new float[] {Float.NaN, Float.NaN, Float.NaN, Float.NaN});
            backend.compile(new StepPlan("gemm", List.of(new Op.Gemm(a, false, b, false, c, 2, 2, 2, 1, 0)))).run();
            float[] product = new float[4];
            backend.read(c, product);
            assertArrayEquals(new float[] {19, 22, 43, 50}, product);
        }
    }

    /** A plan compiled while the step scalars are zero must use what is written before each run. */
    @Test
    void updatesReadTheStepScalarsWhenTheyRun() {
        try (CpuBackend cpu = new CpuBackend(2); ReferenceBackend reference = new ReferenceBackend()) {
            float[] initial = {0.5f, -0.25f, 1f};
            float[] gradient = {0.1f, 0.2f, -0.3f};
            float[] scalars = {0.1f, 2f, 3f, 0, 0};
            for (String kind : List.of("sgd", "momentum", "adam")) {
                float[] expected = update(reference, kind, initial, gradient, scalars, false);
                float[] actual = update(cpu, kind, initial, gradient, scalars, true);
                for (int i = 0; i < initial.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-6, kind + " weight " + i);
                    assertTrue(Math.abs(actual[i] - initial[i]) > 1e-4, kind + " did not update weight " + i);
                }
            }
        }
    }

    private static float[] update(Backend backend, String kind, float[] initial, float[] gradient,
                                  float[] scalars, boolean writeScalarsAfterCompiling) {
        int n = initial.length;
        Buffer w = backend.allocate(n);
        Buffer g = backend.allocate(n);
        Buffer s = backend.allocate(scalars.length);
        backend.write(w, initial);
        backend.write(g, gradient);
        if (!writeScalarsAfterCompiling) {
            backend.write(s, scalars);
        }
        Op op = switch (kind) {
            case "sgd" -> new Op.SgdUpdate(w, g, n, s);
            case "momentum" -> new Op.MomentumUpdate(w, g, backend.allocate(n), n, 0.9f, true, s);
            default -> new Op.AdamUpdate(w, g, backend.allocate(n), backend.allocate(n), n, n, 0.9f, 0.999f, 1e-8f, 0.01f, s);
        };
        CompiledPlan plan = backend.compile(new StepPlan(kind, List.of(op)));
        if (writeScalarsAfterCompiling) {
            backend.write(s, scalars);
        }
        plan.run();
        float[] result = new float[n];
        backend.read(w, result);
        return result;
    }

    @Test
    void closingStopsTheWorkerThreads() {
        long before = liveWorkers();
        CpuBackend backend = new CpuBackend(3);
        assertEquals(before + 2, liveWorkers());
        backend.close();
        assertEquals(before, liveWorkers());
    }

    private static long liveWorkers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("gale-cpu-worker-") && thread.isAlive())
                .count();
    }

    @Test
    void theProviderOpensTheCpuAndNothingElse() {
        BackendProvider provider = new CpuBackendProvider();
        assertEquals("cpu", provider.name());
        List<DeviceDescription> devices = provider.devices();
        assertEquals(1, devices.size());
        assertEquals("cpu", devices.getFirst().spec());
        assertMatches("\\d+ cores, vector kernels \\d+-bit, tile \\d+x\\d+, " + CACHES,
                devices.getFirst().description());
        try (Backend backend = provider.open("", 2)) {
            assertTrue(backend.description().startsWith("cpu (2 threads, vector kernels"), backend.description());
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> provider.open("gpu0", 1));
        assertTrue(unknown.getMessage().contains("gpu0"), unknown.getMessage());
        try (Backend found = Backends.open("cpu", 1)) {
            assertInstanceOf(CpuBackend.class, found);
        }
    }

    private static void assertMatches(String pattern, String actual) {
        assertTrue(actual.matches(pattern), actual + " does not match " + pattern);
    }
}
