package dev.gale.kernels;

import dev.gale.compute.Backend;
import dev.gale.compute.BackendProvider;
import dev.gale.compute.Backends;
import dev.gale.compute.DeviceDescription;
import dev.gale.compute.cpu.CpuBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The backends the kernel suite holds to the float64 reference. Device backends whose provider
 * {@link Backends#providers()} finds are tested automatically, one per device; a backend that is
 * not discovered that way joins by one more line in {@link #all()}.
 */
final class BackendsUnderTest {

    /**
     * Comma-separated names that must be present, e.g. {@code cpu-vector,tornado:0}: a CI job for a
     * device fails, rather than passes vacuously, when the device does not show up.
     */
    static final String REQUIRE = "gale.kernels.require";

    /**
     * Semicolon-separated specs to test besides the discovered devices, e.g. other kernel options:
     * {@code tornado:0:0,tile=8;tornado:0:0,tile=128}.
     */
    static final String EXTRA = "gale.kernels.extra";

    /**
     * {@code false} tests the CPU backend alone, as the build's second run of the suite does in a JVM
     * limited to AVX2: the devices, {@value #EXTRA} and {@value #REQUIRE} were the first run's.
     */
    static final String DEVICES = "gale.kernels.devices";

    /** A backend under test, opened at a given host thread count (0: all cores). */
    record Factory(String name, IntFunction<Backend> open) {
    }

    private BackendsUnderTest() {
    }

    /**
     * Options that force each choice some machine makes on its own (see the CPU backend's
     * settings): every vector micro-tile, and caches small enough that the kernel table's matrices
     * take every path of the GEMM's blocking (several column blocks of op(B), blocks one k block
     * deep (vector) and two deep (scalar), several runs of k blocks, the last one short).
     */
    static final List<String> VECTOR_VARIANTS = List.of("tile=8x2", "tile=4x2", "l2=16K,l3=64K");
    static final List<String> SCALAR_VARIANTS = List.of("kernels=scalar,l2=16K,l3=64K");

    /** The CPU backend's kernel paths present in this JVM: this machine's choices first, then the variants. */
    static List<Factory> cpu() {
        List<Factory> factories = new ArrayList<>();
        if (CpuBackend.vectorAvailable()) {
            factories.add(new Factory("cpu-vector", threads -> new CpuBackend(threads, true)));
        }
        factories.add(new Factory("cpu-scalar", threads -> new CpuBackend(threads, false)));
        for (String options : CpuBackend.vectorAvailable() ? VECTOR_VARIANTS : List.<String>of()) {
            factories.add(variant(options));
        }
        SCALAR_VARIANTS.forEach(options -> factories.add(variant(options)));
        return factories;
    }

    private static Factory variant(String options) {
        String spec = "cpu," + options;
        return new Factory(spec, threads -> Backends.open(spec, threads));
    }

    /** Every backend under test; fails when one that {@value #REQUIRE} names is absent. */
    static List<Factory> all() {
        List<Factory> factories = new ArrayList<>(cpu());
        if (!Boolean.parseBoolean(System.getProperty(DEVICES, "true"))) {
            return factories;
        }
        for (BackendProvider provider : Backends.providers()) {
            if (provider.name().equals("cpu") || provider.name().equals("reference")) {
                continue;
            }
            for (DeviceDescription device : provider.devices()) {
                factories.add(new Factory(device.spec(), threads -> Backends.open(device.spec(), threads)));
            }
        }
        for (String spec : System.getProperty(EXTRA, "").split(";")) {
            if (!spec.isBlank()) {
                factories.add(new Factory(spec.trim(), threads -> Backends.open(spec.trim(), threads)));
            }
        }
        requirePresent(factories, System.getProperty(REQUIRE, ""));
        return factories;
    }

    static void requirePresent(List<Factory> factories, String required) {
        List<String> present = factories.stream().map(Factory::name).toList();
        List<String> missing = Arrays.stream(required.split(","))
                .map(String::trim)
                .filter(name -> !name.isEmpty() && !present.contains(name))
                .toList();
        if (!missing.isEmpty()) {
            throw new AssertionError("-D" + REQUIRE + " requires " + missing
                    + ", but the backends under test are " + present);
        }
    }
}
