package dev.gale.compute.reference;

import dev.gale.compute.Backend;
import dev.gale.compute.BackendProvider;
import dev.gale.compute.DeviceDescription;
import java.util.List;

/** Makes the float64 oracle openable as {@code reference}, for checks from the command line. */
public final class ReferenceBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public List<DeviceDescription> devices() {
        return List.of(new DeviceDescription("reference", "float64 oracle, 1 thread (slow; for checks)"));
    }

    @Override
    public Backend open(String device, int threads) {
        if (!device.isEmpty()) {
            throw new IllegalArgumentException("the reference backend has no devices; use 'reference'");
        }
        return new ReferenceBackend();
    }
}
