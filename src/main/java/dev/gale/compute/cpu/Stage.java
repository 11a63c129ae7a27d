package dev.gale.compute.cpu;

import java.util.List;

/**
 * Consecutive steps of a plan that share no data: none writes an array another one reads or
 * writes, so their tasks may run in any order and at once. Each phase of the stage is one dispatch
 * holding the tasks of every step in that phase, the steps aligned on their last phase; a thread
 * that runs out of one op's tasks takes another op's instead of waiting for its partner at a
 * barrier. The backward pass's weight and input gradients of a layer, with its bias gradient, run
 * as one stage, and so do the optimizer updates of every parameter.
 */
final class Stage {

    private final WorkerPool pool;
    private final Step[] steps;
    private final Phase[] phases;

    Stage(WorkerPool pool, List<Step> steps) {
        this.pool = pool;
        this.steps = steps.toArray(Step[]::new);
        int count = steps.stream().mapToInt(Step::phases).max().orElseThrow();
        phases = new Phase[count];
        for (int phase = 0; phase < count; phase++) {
            phases[phase] = new Phase(steps, phase, count);
        }
    }

    void run() {
        for (Phase phase : phases) {
            pool.run(phase.steps.length, phase);
        }
        for (Step step : steps) {
            step.finish();
        }
    }

    /** Phase {@code phase} of {@code count}: task i is task {@code tasks[i]} of {@code steps[i]}. */
    private static final class Phase implements WorkerPool.Job {
        private final Step[] steps;
        private final int[] stepPhases;
        private final int[] tasks;

        Phase(List<Step> all, int phase, int count) {
            int total = 0;
            for (Step step : all) {
                int own = phase - (count - step.phases());
                total += own < 0 ? 0 : step.tasks(own);
            }
            steps = new Step[total];
            stepPhases = new int[total];
            tasks = new int[total];
            int i = 0;
            for (Step step : all) {
                int own = phase - (count - step.phases());
                for (int task = 0; own >= 0 && task < step.tasks(own); task++, i++) {
                    steps[i] = step;
                    stepPhases[i] = own;
                    tasks[i] = task;
                }
            }
        }

        @Override
        public void run(int task, int worker) {
            steps[task].run(stepPhases[task], tasks[task], worker);
        }
    }
}
