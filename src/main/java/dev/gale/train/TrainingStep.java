package dev.gale.train;

import dev.gale.compute.Backend;
import dev.gale.compute.Collective;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.StepScalars;
import dev.gale.nn.Network;
import java.util.List;

/**
 * One mini-batch training step (forward, loss, backward, optimizer update) compiled for a fixed
 * number of rows: the step {@link Trainer} runs per batch, open to benchmarks and custom loops.
 * Running it moves only the batch and the step scalars in and the cost out; it allocates nothing.
 */
public final class TrainingStep {

    private final ResidentNetwork resident;
    private final Optimizer optimizer;
    private final int rows;
    private final CompiledPlan plan;
    private final float[] scalars = new float[StepScalars.LENGTH];
    private final float[] loss = new float[1];
    /** For a worker without rows in this step: the gradient it adds to the others' (null otherwise). */
    private final float[] noGradient;

    TrainingStep(ResidentNetwork resident, Optimizer optimizer, StepPlanner.BatchShare share, Collective collective) {
        this.resident = resident;
        this.optimizer = optimizer;
        this.rows = share.rows();
        this.plan = resident.backend.compile(StepPlanner.trainingStep(resident, share, optimizer, collective));
        this.noGradient = rows == 0 ? new float[resident.gradientArena.length()] : null;
    }

    /**
     * Puts {@code network}'s parameters and zeroed optimizer state on {@code backend} and compiles
     * its step for batches of {@code rows} examples, dropout's masks drawn from {@code seed}. The
     * network itself is not updated by {@link #run}.
     */
    public static TrainingStep compile(Backend backend, Network network, Optimizer optimizer, int rows, long seed) {
        return new TrainingStep(ResidentNetwork.forTraining(backend, network, rows,
                StepPlanner.stateBuffers(optimizer), seed), optimizer, StepPlanner.BatchShare.whole(rows),
                Collective.ONE_WORKER);
    }

    public int rows() {
        return rows;
    }

    /** What one step dispatches and moves between host and device. */
    public CompiledPlan.Traffic traffic() {
        return plan.traffic();
    }

    /** The kernel and work-group a device gave each of the step's GEMMs (see {@link CompiledPlan#gemmKernels}). */
    public List<String> gemmKernels() {
        return plan.gemmKernels();
    }

    /**
     * Runs step {@code t} (1-based, as Adam's bias correction counts) at {@code learningRate} on a
     * batch of {@code rows()} examples, row-major, and returns its cost (of the global batch, when
     * this is a worker's share of it).
     */
    public float run(float[] features, float[] targets, long t, double learningRate) {
        StepPlanner.stepScalars(optimizer, t, learningRate, scalars);
        if (noGradient == null) {
            resident.backend.write(resident.input, features);
            resident.backend.write(resident.target, targets);
        } else {
            loss[0] = 0;
            resident.backend.write(resident.gradientArena, noGradient);
            resident.backend.write(resident.loss, loss);
        }
        resident.backend.write(resident.scalars, scalars);
        plan.run();
        resident.backend.read(resident.loss, loss);
        return loss[0];
    }
}
