package dev.gale.cli;

import dev.gale.compute.BackendProvider;
import dev.gale.compute.Backends;
import dev.gale.compute.DeviceDescription;
import java.io.PrintWriter;
import java.util.ServiceConfigurationError;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "devices", mixinStandardHelpOptions = true, description = "Lists the backends and devices present, as --device specs.")
final class DevicesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%-28s %s%n", "DEVICE SPEC", "DESCRIPTION");
        java.util.List<BackendProvider> providers;
        try {
            providers = Backends.providers();
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a backend failed to load: " + e.getMessage());
        }
        for (BackendProvider provider : providers) {
            try {
                java.util.List<DeviceDescription> devices = provider.devices();
                if (devices.isEmpty()) {
                    out.printf("%-28s %s%n", provider.name(), "(no device present)");
                }
                for (DeviceDescription device : devices) {
                    out.printf("%-28s %s%n", device.spec(), device.description());
                }
            } catch (RuntimeException | LinkageError e) {
                // A device runtime that fails to start must not hide the other backends.
                out.printf("%-28s unavailable: %s%n", provider.name(), Main.message(e));
            }
        }
        return 0;
    }
}
