package dev.gale.kernels;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicContainer.dynamicContainer;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import dev.gale.compute.Backend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

/**
 * The CPU backend's results are the same bits for 1, 2 and 3 threads (3 even on fewer cores, where
 * the split is most uneven) and from one run to the next, for every case of the table; and the
 * same bits whatever micro-tile and cache blocking a machine chooses, the vector kernels' as this
 * machine's vector choice, the scalar ones' as its scalar choice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CpuDeterminismTest {

    private static final int[] THREADS = {1, 2, 3};

    private record Path(String name, List<Backend> backends) {
    }

    private final List<Path> paths = new ArrayList<>();

    @BeforeAll
    void open() {
        for (BackendsUnderTest.Factory factory : BackendsUnderTest.cpu()) {
            paths.add(new Path(factory.name(), Arrays.stream(THREADS).mapToObj(factory.open()::apply).toList()));
        }
    }

    @AfterAll
    void close() {
        paths.forEach(path -> path.backends().forEach(Backend::close));
    }

    @TestFactory
    Stream<DynamicNode> sameBitsForAnyThreadCount() {
        List<KernelCase> cases = KernelCase.all();
        return paths.stream().map(path -> dynamicContainer(path.name(), cases.stream().map(kernelCase ->
                dynamicTest(kernelCase.name(), () -> check(kernelCase, path.backends())))));
    }

    @TestFactory
    Stream<DynamicNode> sameBitsForEveryVariant() {
        List<KernelCase> cases = KernelCase.all();
        return paths.stream().filter(path -> path.name().startsWith("cpu,")).map(path -> {
            String choice = path.name().contains("kernels=scalar") ? "cpu-scalar" : "cpu-vector";
            Path machine = paths.stream().filter(other -> other.name().equals(choice)).findFirst().orElseThrow();
            return dynamicContainer(path.name(), cases.stream().map(kernelCase ->
                    dynamicTest(kernelCase.name(), () -> check(kernelCase,
                            List.of(machine.backends().getFirst(), path.backends().getFirst())))));
        });
    }

    private static void check(KernelCase kernelCase, List<Backend> backends) {
        List<KernelCase.Result> first = kernelCase.run(backends.getFirst());
        List<Backend> runs = new ArrayList<>(backends);
        runs.add(backends.getLast());
        for (Backend backend : runs.subList(1, runs.size())) {
            List<KernelCase.Result> again = kernelCase.run(backend);
            for (int i = 0; i < first.size(); i++) {
                if (!Arrays.equals(first.get(i).values(), again.get(i).values())) {
                    fail(kernelCase.replay() + ": output " + first.get(i).output() + " on "
                            + backend.description() + " differs from " + backends.getFirst().description());
                }
            }
        }
    }
}
