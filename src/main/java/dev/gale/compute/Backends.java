package dev.gale.compute;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds backends at run time and opens one from a device spec such as {@code cpu}. */
public final class Backends {

    private Backends() {
    }

    public static List<BackendProvider> providers() {
        List<BackendProvider> providers = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class).forEach(providers::add);
        return providers;
    }

    /** Every device every provider can open now. */
    public static List<DeviceDescription> devices() {
        return providers().stream().flatMap(p -> p.devices().stream()).toList();
    }

    /**
     * Opens {@code spec}: {@code name}, {@code name:device} or {@code name,options}. An unknown or
     * absent device is an {@link IllegalArgumentException} naming what is present: never a silent
     * fallback.
     */
    public static Backend open(String spec, int threads) {
        // The name ends at ':' (a device follows) or ',' (options for the default device follow).
        int end = 0;
        while (end < spec.length() && spec.charAt(end) != ':' && spec.charAt(end) != ',') {
            end++;
        }
        String name = spec.substring(0, end);
        String device = end < spec.length() && spec.charAt(end) == ':' ? spec.substring(end + 1) : spec.substring(end);
        for (BackendProvider provider : providers()) {
            if (provider.name().equals(name)) {
                return provider.open(device, threads);
            }
        }
        throw new IllegalArgumentException("no backend '" + name + "' on this JVM; present: "
                + devices().stream().map(DeviceDescription::spec).toList()
                + (name.equals("tornado") ? "; TornadoVM devices need a TornadoVM SDK: set TORNADO_SDK and run"
                        + " through scripts/gale" : ""));
    }
}
