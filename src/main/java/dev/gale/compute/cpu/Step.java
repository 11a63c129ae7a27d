package dev.gale.compute.cpu;

/**
 * One op of a compiled plan, bound to its arrays and scratch, as phases of tasks: the tasks of a
 * phase write disjoint outputs, and a phase may read what the op's earlier phases wrote. Running it
 * allocates nothing.
 */
interface Step {

    /** How many phases the op runs, at least one. */
    int phases();

    /** How many tasks phase {@code phase} has. */
    int tasks(int phase);

    /** Runs task {@code task} of phase {@code phase} on thread {@code worker}, 0 being the caller. */
    void run(int phase, int task, int worker);

    /** Runs on the calling thread once every phase is done, e.g. to add a reduction's partials. */
    default void finish() {
    }
}
