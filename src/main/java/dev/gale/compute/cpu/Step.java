package dev.gale.compute.cpu;

/** One op of a compiled plan, bound to its arrays and scratch; running it allocates nothing. */
interface Step {
    void run();
}
