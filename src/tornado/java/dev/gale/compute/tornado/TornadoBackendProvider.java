package dev.gale.compute.tornado;

import dev.gale.compute.Backend;
import dev.gale.compute.BackendProvider;
import dev.gale.compute.DeviceDescription;
import java.util.List;

/**
 * Finds TornadoVM devices when TornadoVM's runtime is on the module path, and none otherwise: on a
 * plain JVM Gale's CPU backend is all there is, which is not an error. Nothing here touches TornadoVM
 * types until the runtime is known to be present.
 */
public final class TornadoBackendProvider implements BackendProvider {

    private static final String BAILOUT = "tornado.recover.bailout";

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public List<DeviceDescription> devices() {
        if (!runtimePresent()) {
            return List.of();
        }
        refuseBailout();
        return Devices.list();
    }

    @Override
    public Backend open(String device, int threads) {
        if (!runtimePresent()) {
            throw new IllegalArgumentException("TornadoVM is not on this JVM: run Gale through scripts/gale with"
                    + " TORNADO_SDK set to a TornadoVM SDK, or pick --device cpu");
        }
        refuseBailout();
        return Devices.open(device);
    }

    /**
     * TornadoVM's default runs a kernel that failed to compile as plain Java on the host, so a "device"
     * result would be the CPU's. Gale turns that off before TornadoVM reads it, and refuses to run with
     * it switched on.
     */
    private static void refuseBailout() {
        String bailout = System.getProperty(BAILOUT);
        if (bailout == null) {
            System.setProperty(BAILOUT, "False");
        } else if (!bailout.equalsIgnoreCase("False")) {
            throw new IllegalArgumentException("-D" + BAILOUT + "=" + bailout + " would let TornadoVM run kernels"
                    + " that failed to compile on the CPU; Gale needs -D" + BAILOUT + "=False");
        }
    }

    private static boolean runtimePresent() {
        return ModuleLayer.boot().findModule("tornado.runtime").isPresent();
    }
}
