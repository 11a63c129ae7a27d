package dev.gale.compute;

import java.util.List;

/**
 * The fixed list of kernel invocations over fixed buffers that makes up one unit of work, such as a
 * training step (forward, loss, backward, update) or a forward pass. It is built once and run once
 * per mini-batch; per run only the buffers the caller writes (mini-batch, step scalars) change.
 */
public record StepPlan(String name, List<Op> ops) {
    public StepPlan {
        ops = List.copyOf(ops);
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("step plan '" + name + "' has no ops");
        }
    }
}
