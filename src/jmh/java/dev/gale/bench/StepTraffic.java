package dev.gale.bench;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.compute.CompiledPlan;
import dev.gale.train.Optimizer;
import dev.gale.train.TrainingStep;
import java.util.Locale;

/**
 * For each backend spec given (options after a {@code +}, as the benchmarks take them) and each
 * network of {@link TrainingStepBenchmark}: what one training step dispatches (a device's kernel
 * launches, the CPU backend's parallel stages) and moves between host and device, by Gale's own
 * count from the compiled plan.
 */
public final class StepTraffic {

    private static final String[] NETWORKS = {"784-256-128-10/128", "784-1024-1024-10/512"};

    private StepTraffic() {
    }

    public static void main(String[] specs) {
        for (String spec : specs) {
            try (Backend backend = Backends.open(spec.replace('+', ','), 0)) {
                for (String network : NETWORKS) {
                    CompiledPlan.Traffic traffic = TrainingStep.compile(backend, TrainingStepBenchmark.network(network),
                            Optimizer.adam(1e-3), TrainingStepBenchmark.batch(network), 1).traffic();
                    System.out.printf(Locale.ROOT, "step %-22s on %-24s %s per step %3d, bytes in %,d, out %,d%n",
                            network, spec, spec.startsWith("cpu") || spec.startsWith("reference") ? "stages  "
                                    : "launches", traffic.launches(), traffic.bytesIn(), traffic.bytesOut());
                }
            }
        }
    }
}
