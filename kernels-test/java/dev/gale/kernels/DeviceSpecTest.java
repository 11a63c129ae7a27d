package dev.gale.kernels;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gale.compute.BackendProvider;
import dev.gale.compute.Backends;
import dev.gale.compute.DeviceDescription;
import org.junit.jupiter.api.Test;

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
