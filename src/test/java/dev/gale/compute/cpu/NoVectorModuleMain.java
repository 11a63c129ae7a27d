package dev.gale.compute.cpu;

import dev.gale.compute.Buffer;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import java.util.Arrays;
import java.util.List;

/**
 * Run by {@link NoVectorModuleTest} in a JVM started without {@code jdk.incubator.vector}: the
 * backend must fall back to scalar kernels, and refuse vector ones with a hint. Exits 1 on failure.
 */
public final class NoVectorModuleMain {

    private NoVectorModuleMain() {
    }

    public static void main(String[] args) {
        check(!CpuBackend.vectorAvailable(), "vectorAvailable() is true without the module");
        check(new CpuBackendProvider().devices().getFirst().description().contains(" cores, scalar kernels, "),
                "the device description does not say scalar kernels");
        try (CpuBackend backend = new CpuBackend(2)) {
            check(backend.description().startsWith("cpu (2 threads, scalar kernels, tile 4x8, "), backend.description());
            Buffer a = backend.allocate(4);
            Buffer b = backend.allocate(4);
            Buffer c = backend.allocate(4);
            backend.write(a, new float[] {1, 2, 3, 4});
            backend.write(b, new float[] {5, 6, 7, 8});
            backend.compile(new StepPlan("gemm", List.of(new Op.Gemm(a, false, b, false, c, 2, 2, 2, 1, 0)))).run();
            float[] product = new float[4];
            backend.read(c, product);
            check(Arrays.equals(product, new float[] {19, 22, 43, 50}), Arrays.toString(product));
        }
        try {
            new CpuBackend(1, true).close();
            check(false, "vector kernels were opened without the module");
        } catch (IllegalStateException expected) {
            check(expected.getMessage().contains("--add-modules=jdk.incubator.vector"), expected.getMessage());
            check(!expected.getMessage().contains("\n"), "the message is not one line");
        }
        System.out.println("scalar fallback ok");
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            System.out.println("FAILED: " + failure);
            System.exit(1);
        }
    }
}
