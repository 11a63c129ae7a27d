package dev.gale.bench;

/**
 * Prints how long a cache line takes to go from one thread to another and back, in nanoseconds.
 * Two-thread benchmarks depend on it: each op hands its output to the other core. On a virtual
 * machine the host may place two virtual CPUs on one physical core, on two cores sharing a cache,
 * or on two dies, and may change its mind while a run goes on; the round trip tells which.
 */
public final class CoreToCore {

    private static volatile long line;

    private CoreToCore() {
    }

    public static void main(String[] args) throws InterruptedException {
        int trips = 1_000_000;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 3; round++) {
            best = Math.min(best, roundTrip(trips));
        }
        System.out.println(best);
    }

    /** Mean nanoseconds per round trip over {@code trips}, the partner answering each odd value. */
    private static long roundTrip(int trips) throws InterruptedException {
        Thread partner = Thread.ofPlatform().daemon().start(() -> {
            for (long i = 1; i <= trips; i++) {
                while (line != 2 * i - 1) {
                    Thread.onSpinWait();
                }
                line = 2 * i;
            }
        });
        long start = System.nanoTime();
        for (long i = 1; i <= trips; i++) {
            line = 2 * i - 1;
            while (line != 2 * i) {
                Thread.onSpinWait();
            }
        }
        long nanos = (System.nanoTime() - start) / trips;
        partner.join();
        line = 0;
        return nanos;
    }
}
