package dev.gale.compute;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The fixed list of kernel invocations over fixed buffers that makes up one unit of work, such as a
 * training step (forward, loss, backward, update) or a forward pass. It is built once and run once
 * per mini-batch.
 *
 * <p>{@code inputs} are the buffers the caller writes before every run (the mini-batch, the step
 * scalars) and {@code outputs} those it reads after every run (the cost, predictions). A device
 * backend moves exactly these per run; every other buffer stays where the backend keeps it and
 * crosses to the host only through {@link Backend#write} and {@link Backend#read}, which stay correct
 * for any buffer at any time.
 */
public record StepPlan(String name, List<Op> ops, List<Buffer> inputs, List<Buffer> outputs) {

    public StepPlan {
        ops = List.copyOf(ops);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("step plan '" + name + "' has no ops");
        }
        Set<Buffer> used = buffers(ops);
        for (Buffer buffer : inputs) {
            require(used.contains(buffer), name, "input " + buffer + " is not used by any op");
        }
        for (Buffer buffer : outputs) {
            require(ops.stream().anyMatch(op -> op.writes().contains(buffer)), name,
                    "output " + buffer + " is not written by any op");
        }
    }

    /** A plan whose buffers all cross to the host through {@link Backend#write} and {@link Backend#read}. */
    public StepPlan(String name, List<Op> ops) {
        this(name, ops, List.of(), List.of());
    }

    /** Every buffer the plan's ops use, in first-use order. */
    public Set<Buffer> buffers() {
        return buffers(ops);
    }

    private static Set<Buffer> buffers(List<Op> ops) {
        Set<Buffer> used = new LinkedHashSet<>();
        ops.forEach(op -> used.addAll(op.buffers()));
        return used;
    }

    private static void require(boolean condition, String name, String message) {
        if (!condition) {
            throw new IllegalArgumentException("step plan '" + name + "': " + message);
        }
    }
}
