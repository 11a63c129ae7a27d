package dev.gale.compute;

import java.util.List;

/**
 * A family of backends found at run time through {@link java.util.ServiceLoader}: the CPU backend
 * always, device backends when their runtime is present.
 */
public interface BackendProvider {

    /** The prefix of device specs this provider serves, e.g. {@code cpu}. */
    String name();

    /** The devices this provider can open now; empty when its runtime is absent. */
    List<DeviceDescription> devices();

    /**
     * Opens the device named by {@code device}, the part of the spec after {@code name:} (empty for
     * the provider's default). {@code threads} is the host thread count; 0 means all cores.
     */
    Backend open(String device, int threads);
}
