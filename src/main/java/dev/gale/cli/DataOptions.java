package dev.gale.cli;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.data.DataSpec;
import java.io.IOException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Where the data comes from and where the network runs, for every command that reads data. */
final class DataOptions {

    @Option(names = "--data", paramLabel = "SPEC",
            description = "A folder of IDX files (train-/t10k-images-idx3-ubyte[.gz], ...), a .csv file, "
                    + "or xor, spirals, blobs.")
    String data;

    @Option(names = "--label-column", defaultValue = "0", paramLabel = "N",
            description = "CSV column of the class label, from 0; negative counts from the end (default ${DEFAULT-VALUE}).")
    int labelColumn;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "SPEC",
            description = "Backend: cpu, reference, or any device 'gale devices' lists (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "CPU threads; 0 uses every core (default ${DEFAULT-VALUE}).")
    int threads;

    DataSpec.Source load(int classes, long seed) throws IOException {
        return DataSpec.load(required(data), labelColumn, classes, seed);
    }

    static String required(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("--data SPEC is required: a folder of IDX files, a .csv file, "
                    + "or xor, spirals, blobs");
        }
        return spec;
    }

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The backend of {@code --device}; {@code --threads} beyond the cores is capped, with a note: the
     * kernels are compute-bound, so extra threads only wait on each other (10,000 ran 40 times slower).
     */
    Backend open() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be 0 (every core) or a positive count, got " + threads);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        int used = threads;
        if (threads > cores) {
            command.commandLine().getErr().printf("gale: --threads %d is more than this machine's %d cores; using %d%n",
                    threads, cores, cores);
            used = cores;
        }
        try {
            return Backends.open(device, used);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot open device '" + device + "': " + e.getMessage()
                    + tornadoHint());
        }
    }

    /** The TornadoVM backend is compiled in only when the build saw an SDK, which a user may not know. */
    private String tornadoHint() {
        boolean built = Backends.providers().stream().anyMatch(p -> p.name().equals("tornado"));
        return device.startsWith("tornado") && !built
                ? "; this build of Gale has no TornadoVM backend: set TORNADO_SDK to a TornadoVM SDK and run"
                        + " scripts/gale again"
                : "";
    }
}
