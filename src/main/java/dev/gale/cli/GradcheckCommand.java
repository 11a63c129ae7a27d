package dev.gale.cli;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.data.Dataset;
import dev.gale.data.Synthetic;
import dev.gale.nn.Network;
import dev.gale.train.GradientCheck;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "gradcheck", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Checks back-propagation against central differences in float64 on a small random network.")
final class GradcheckCommand implements Callable<Integer> {

    /** Central differences in float64 agree with a correct gradient to about 1e-8; a wrong term shows as 1e-3 or more. */
    static final double TOLERANCE = 1e-6;
    private static final int INPUTS = 4;
    private static final int CLASSES = 3;

    @Mixin
    ArchitectureOptions architecture;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the weights and data (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--epsilon", defaultValue = "1e-6", paramLabel = "H", description = "Finite-difference step (default ${DEFAULT-VALUE}).")
    double epsilon;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!spec.commandLine().getParseResult().hasMatchedOption("--layers")) {
            architecture.layers = "5,4";
        }
        Dataset data = Synthetic.blobs(4, CLASSES, INPUTS, 2, seed);
        Network network = architecture.architecture().build(INPUTS, CLASSES, seed);
        GradientCheck.Result result;
        try (Backend reference = Backends.open("reference", 0)) {
            result = GradientCheck.run(reference, network, data, epsilon);
        }
        boolean ok = result.relativeDifference() < TOLERANCE;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "gradcheck %s on %d examples: relative difference %.3e, max absolute %.3e over %d parameters: %s%n",
                network, data.rows(), result.relativeDifference(), result.maxAbsoluteDifference(), result.parameters(),
                ok ? "ok (< " + TOLERANCE + ")" : "FAILED (>= " + TOLERANCE + ")");
        out.flush();
        return ok ? 0 : Main.FAILED;
    }
}
