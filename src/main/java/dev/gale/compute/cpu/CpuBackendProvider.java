package dev.gale.compute.cpu;

import dev.gale.compute.Backend;
import dev.gale.compute.BackendProvider;
import dev.gale.compute.DeviceDescription;
import java.util.List;

/** Makes the CPU backend openable as {@code cpu}; it is always present. */
public final class CpuBackendProvider implements BackendProvider {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public List<DeviceDescription> devices() {
        CpuSettings settings = CpuSettings.ofThisMachine();
        return List.of(new DeviceDescription("cpu",
                Runtime.getRuntime().availableProcessors() + " cores, " + settings.describe(settings.kernels())));
    }

    /** {@code device} is empty, or options after a comma (see {@link CpuSettings#parse}). */
    @Override
    public Backend open(String device, int threads) {
        if (!device.isEmpty() && !device.startsWith(",")) {
            throw new IllegalArgumentException("the cpu backend has no device '" + device + "'; use 'cpu', or 'cpu,"
                    + "OPTIONS' such as cpu,tile=4x2 (threads set the cores used)");
        }
        return new CpuBackend(threads, CpuSettings.parse(device));
    }
}
