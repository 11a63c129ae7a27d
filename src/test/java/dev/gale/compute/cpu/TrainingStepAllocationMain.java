package dev.gale.compute.cpu;

import dev.gale.bench.Operands;
import dev.gale.bench.TrainingStepBenchmark;
import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.nn.Network;
import dev.gale.train.Optimizer;
import dev.gale.train.TrainingStep;
import java.util.List;

/**
 * A JVM that runs one of {@link TrainingStepBenchmark}'s training steps, {@code SIZES/BATCH THREADS},
 * until it stops allocating; exits 1 if it never does.
 */
final class TrainingStepAllocationMain {

    /** A whole step's code to compile: the 784-256-128-10 step settled after 6 to 13 windows here. */
    private static final int WINDOWS = 120;

    private TrainingStepAllocationMain() {
    }

    public static void main(String[] args) {
        String spec = args[0];
        Network network = TrainingStepBenchmark.network(spec);
        int batch = TrainingStepBenchmark.batch(spec);
        try (Backend backend = Backends.open("cpu", Integer.parseInt(args[1]))) {
            TrainingStep step = TrainingStep.compile(backend, network, Optimizer.adam(1e-3), batch, 1);
            Operands operands = new Operands(backend);
            float[] features = operands.uniformArray(batch * network.inputs());
            float[] targets = operands.oneHot(batch, network.outputs());
            long[] t = {0};
            List<Long> allocated = SteadyStateAllocationTest.allocatedUntilSteady(
                    () -> step.run(features, targets, ++t[0], 1e-3), WINDOWS);
            if (!allocated.isEmpty()) {
                System.out.println(backend.description() + ", step " + spec + ": allocated in every window: "
                        + allocated);
                System.exit(1);
            }
        }
    }
}
