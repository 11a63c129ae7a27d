package dev.gale.compute.tornado;

import dev.gale.compute.CompiledPlan;
import java.util.List;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.exceptions.TornadoBailoutRuntimeException;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;
import uk.ac.manchester.tornado.api.exceptions.TornadoRuntimeException;

/**
 * A step plan compiled for one device: a TornadoVM execution plan of two task graphs. Graph 0 moves
 * the plan's resident buffers (parameters, optimizer state, activations) to the device and keeps them
 * there; it runs only when one of them is stale on this device, e.g. after the host wrote weights or
 * another plan updated them. Graph 1 is the step: it streams the plan's inputs in and its outputs
 * out on every run, and reads and writes the residents in place.
 */
final class DevicePlan implements CompiledPlan {

    private final TornadoExecutionPlan execution;
    private final List<TornadoBuffer> residents;
    private final List<TornadoBuffer> inputs;
    private final List<TornadoBuffer> outputs;
    private final List<TornadoBuffer> residentWrites;
    private final int stepGraph;
    private final Traffic traffic;
    private final List<String> gemmKernels;
    private TornadoExecutionResult residentResult;

    DevicePlan(TornadoExecutionPlan execution, List<TornadoBuffer> residents, List<TornadoBuffer> inputs,
               List<TornadoBuffer> outputs, List<TornadoBuffer> residentWrites, int stepTasks,
               List<String> gemmKernels) {
        this.execution = execution;
        this.gemmKernels = List.copyOf(gemmKernels);
        this.traffic = new Traffic(stepTasks, bytes(inputs), bytes(outputs));
        this.residents = residents;
        this.inputs = inputs;
        this.outputs = outputs;
        this.residentWrites = residentWrites;
        this.stepGraph = residents.isEmpty() ? 0 : 1;
    }

    @Override
    public void run() {
        if (stale()) {
            for (TornadoBuffer resident : residents) {
                resident.pullToHost();
            }
            residentResult = execute(0);
            for (TornadoBuffer resident : residents) {
                resident.currentIn.add(this);
            }
        }
        for (TornadoBuffer input : inputs) {
            input.pullToHost();
        }
        execute(stepGraph);
        for (TornadoBuffer written : residentWrites) {
            written.writtenBy(this);
        }
        for (TornadoBuffer output : outputs) {
            output.hostChanged();
        }
    }

    /** A failure to compile or run a kernel, as one line (TornadoVM's own are many, in terminal colours). */
    private TornadoExecutionResult execute(int graph) {
        try {
            return execution.withGraph(graph).execute();
        } catch (TornadoRuntimeException | TornadoBailoutRuntimeException e) {
            throw new IllegalStateException("the device could not run this step plan: "
                    + TornadoBackendProvider.oneLine(e) + "; pick another --device (e.g. cpu)", e);
        }
    }

    /** The step graph's tasks and transfers; the resident graph runs only when a resident is stale. */
    @Override
    public Traffic traffic() {
        return traffic;
    }

    @Override
    public List<String> gemmKernels() {
        return gemmKernels;
    }

    private static long bytes(List<TornadoBuffer> buffers) {
        return buffers.stream().mapToLong(buffer -> (long) buffer.length() * Float.BYTES).sum();
    }

    private boolean stale() {
        for (TornadoBuffer resident : residents) {
            if (!resident.currentIn.contains(this)) {
                return true;
            }
        }
        return false;
    }

    /** Copies this plan's device copy of a resident buffer to the host. */
    void download(TornadoBuffer buffer) {
        residentResult.transferToHost(buffer.array);
    }

    void close() {
        try {
            execution.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("TornadoVM could not release a plan's device memory: " + e.getMessage(), e);
        }
    }
}
