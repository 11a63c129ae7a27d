package dev.gale.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.gale.compute.Backend;
import dev.gale.compute.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * Every backend under test against the float64 reference, case by case: all backends see the same
 * inputs, so the CPU's vector and scalar paths are held to the same bounds on the same data. A device
 * is also held to the CPU backend's result, and every case runs a second time with each buffer a
 * slice of a larger one, held to the same bounds and to writing nothing outside its slices. Prints
 * each backend's measured errors as a table.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelParityTest {

    private record Opened(String name, Backend backend, boolean cpu) {
    }

    /** op, case, output, then max abs error, relative L2 error, largest error / bound against the
     * reference and, for a device, against the CPU backend. */
    private static final String ROW = "  %-34s %-18s %-8s %11s %11s %8s   %11s %11s %8s";

    private final ReferenceBackend reference = new ReferenceBackend();
    private final List<Opened> backends = new ArrayList<>();
    private final Map<String, List<String>> tables = new LinkedHashMap<>();

    @BeforeAll
    void open() {
        List<String> cpu = BackendsUnderTest.cpu().stream().map(BackendsUnderTest.Factory::name).toList();
        for (BackendsUnderTest.Factory factory : BackendsUnderTest.all()) {
            Backend backend = factory.open().apply(0);
            backends.add(new Opened(factory.name(), backend, cpu.contains(factory.name())));
            tables.put(factory.name(), new ArrayList<>(List.of(factory.name() + ": " + backend.description(),
                    String.format(ROW, "op", "case", "output", "max abs err", "rel L2", "of bound",
                            "vs cpu: max", "rel L2", "of bound"))));
        }
    }

    @AfterAll
    void closeAndReport() {
        backends.forEach(opened -> opened.backend().close());
        StringBuilder report = new StringBuilder("\nkernel parity against the float64 reference (seed "
                + KernelCase.SUITE_SEED + ")\n");
        tables.values().forEach(lines -> lines.forEach(line -> report.append(line).append('\n')));
        System.out.print(report);
    }

    @TestFactory
    Stream<DynamicNode> matchesReference() {
        return KernelCase.all().stream().map(kernelCase -> {
            List<KernelCase.Result> expected = kernelCase.run(reference);
            List<KernelCase.Result> onCpu = kernelCase.run(backends.getFirst().backend());
            Stream<DynamicNode> onBackends = backends.stream().map(opened ->
                    dynamicTest(opened.name(), () -> check(kernelCase, expected, onCpu, opened)));
            DynamicNode referenceOnSlices = dynamicTest("reference on slices", () -> {
                List<KernelCase.Result> sliced = kernelCase.runOnSlices(reference);
                for (int i = 0; i < expected.size(); i++) {
                    if (!Arrays.equals(sliced.get(i).values(), expected.get(i).values())) {
                        fail("reference, " + kernelCase.replay() + ": " + expected.get(i).output()
                                + " differs on slices from whole buffers");
                    }
                }
            });
            return dynamicContainer(kernelCase.name(), Stream.concat(onBackends, Stream.of(referenceOnSlices)));
        });
    }

    private void check(KernelCase kernelCase, List<KernelCase.Result> expected, List<KernelCase.Result> onCpu,
            Opened opened) {
        List<KernelCase.Result> actual = kernelCase.run(opened.backend());
        List<KernelCase.Result> onSlices = kernelCase.runOnSlices(opened.backend());
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < expected.size(); i++) {
            KernelCase.Result want = expected.get(i);
            KernelCase.Errors errors = KernelCase.compare(actual.get(i), want);
            String[] cpuColumns = {"", "", ""};
            if (!opened.cpu()) {
                KernelCase.Errors cpuErrors = KernelCase.compareWithin(actual.get(i), onCpu.get(i), want);
                cpuColumns = columns(cpuErrors);
                if (cpuErrors.violations() > 0) {
                    failures.add(want.output() + " against the CPU backend: " + describe(cpuErrors, want, 2));
                }
            }
            String[] referenceColumns = columns(errors);
            tables.get(opened.name()).add(String.format(ROW, kernelCase.row().op(), kernelCase.shape().label(),
                    want.output(), referenceColumns[0], referenceColumns[1], referenceColumns[2],
                    cpuColumns[0], cpuColumns[1], cpuColumns[2]));
            if (errors.violations() > 0) {
                failures.add(want.output() + ": " + describe(errors, want, 1));
            }
            KernelCase.Errors sliceErrors = KernelCase.compare(onSlices.get(i), want);
            if (sliceErrors.violations() > 0) {
                failures.add(want.output() + " on slices: " + describe(sliceErrors, want, 1));
            }
        }
        if (!failures.isEmpty()) {
            fail(opened.backend().description() + ", " + kernelCase.replay() + ":\n  "
                    + String.join("\n  ", failures));
        }
    }

    private static String[] columns(KernelCase.Errors errors) {
        return new String[] {String.format("%.3e", errors.maxAbs()), String.format("%.3e", errors.relativeL2()),
                String.format("%.3f", errors.boundUse())};
    }

    private static String describe(KernelCase.Errors errors, KernelCase.Result want, int boundScale) {
        Tolerance tolerance = want.tolerance();
        return errors.violations() + " of " + want.values().length + " elements outside " + boundScale + " x (atol "
                + tolerance.atol() + " + rtol " + tolerance.rtol() + " |r|) (" + tolerance.reason() + "); first "
                + errors.firstViolation() + "; max abs error " + errors.maxAbs() + ", relative L2 "
                + errors.relativeL2();
    }

    @Test
    void requiringAnAbsentBackendFails() {
        List<BackendsUnderTest.Factory> present = BackendsUnderTest.cpu();
        BackendsUnderTest.requirePresent(present, "cpu-scalar");
        AssertionError error = assertThrows(AssertionError.class,
                () -> BackendsUnderTest.requirePresent(present, "cpu-scalar, tornado:0"));
        if (!error.getMessage().contains("tornado:0")) {
            fail("the failure does not name the missing backend: " + error.getMessage());
        }
    }
}
