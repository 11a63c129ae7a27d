package dev.gale.compute.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Daemon workers that, together with the calling thread, run the tasks {@code 0..n-1} of one job
 * at a time, without allocating per dispatch.
 *
 * <p>One atomic word holds the dispatch's generation, whether it still accepts workers, and how
 * many workers are inside it. A worker joins by a compare-and-set that sees its generation open,
 * then claims tasks from a shared cursor. When the cursor runs dry the caller closes the generation
 * and waits only for the workers inside; a worker that arrives later misses the job and touches
 * nothing. So the job's fields are never written while a worker can read them, and a descheduled
 * worker never holds up a dispatch it did not join.
 */
final class WorkerPool implements AutoCloseable {

    /** The body of a job. {@code worker} is 0 for the calling thread, 1.. for the pool's threads. */
    @FunctionalInterface
    interface Job {
        void run(int task, int worker);
    }

    /**
     * How long a waiting thread spins before yielding, about a microsecond. The ops of a plan follow
     * each other within microseconds, so workers that spin skip the wake-up latency of park/unpark.
     */
    private static final int SPINS = 1 << 6;
    /**
     * How long it then yields before parking. A thread that only spun held the thread it waited for
     * off a shared core: with the pool's two threads on one core (taskset), the small training step
     * took 2,500 us where one thread takes 1,650; yielding brought it to 1,640.
     */
    private static final int YIELDS = 1 << 11;
    private static final int GENERATION_SHIFT = 32;
    private static final long OPEN = 1L << 31;
    private static final long INSIDE = OPEN - 1;

    private final Thread[] workers;
    /** generation << 32 | OPEN while workers may join | number of workers inside. */
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger nextTask = new AtomicInteger();
    private volatile boolean closed;
    /** Written by the caller while no worker is inside; published by opening the generation. */
    private Job job;
    private int taskCount;
    private Thread caller;
    private volatile Throwable workerFailure;

    /** A pool in which {@code threads} threads, the caller included, run each job. */
    WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            workers[i] = Thread.ofPlatform().daemon().name("gale-cpu-worker-" + worker)
                    .start(() -> workLoop(worker));
        }
    }

    /**
     * Runs {@code job} for every task in {@code 0..tasks-1}, each exactly once, and returns when all
     * are done. Jobs must not dispatch to the pool themselves.
     */
    synchronized void run(int tasks, Job job) {
        if (closed) {
            throw new IllegalStateException("the worker pool is closed");
        }
        if (tasks <= 1 || workers.length == 0) {
            for (int task = 0; task < tasks; task++) {
                job.run(task, 0);
            }
            return;
        }
        this.job = job;
        taskCount = tasks;
        caller = Thread.currentThread();
        workerFailure = null;
        nextTask.set(0);
        long generation = (state.get() >>> GENERATION_SHIFT) + 1;
        state.set(generation << GENERATION_SHIFT | OPEN);
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        try {
            drain(0);
        } finally {
            // Even when the caller's own task failed, the job must end before the next one starts.
            state.getAndAdd(-OPEN);
            for (int spins = 0; (state.get() & INSIDE) != 0; spins++) {
                pause(spins);
            }
            this.job = null;
        }
        Throwable failure = workerFailure;
        if (failure != null) {
            throw new IllegalStateException("a CPU worker failed: " + failure, failure);
        }
    }

    /** Stops the workers and waits for them to end; the pool cannot be used afterwards. */
    @Override
    public synchronized void close() {
        closed = true;
        for (Thread worker : workers) {
            LockSupport.unpark(worker);
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void workLoop(int worker) {
        long seen = 0;
        while (true) {
            long current = state.get();
            for (int spins = 0; current >>> GENERATION_SHIFT == seen && !closed; spins++) {
                pause(spins);
                current = state.get();
            }
            if (closed) {
                return;
            }
            seen = current >>> GENERATION_SHIFT;
            if (join(current)) {
                try {
                    drain(worker);
                } catch (Throwable t) {
                    workerFailure = t;
                } finally {
                    if ((state.decrementAndGet() & INSIDE) == 0) {
                        LockSupport.unpark(caller);
                    }
                }
            }
        }
    }

    /** Enters the generation of {@code observed} if it still accepts workers. */
    private boolean join(long observed) {
        long generation = observed >>> GENERATION_SHIFT;
        for (long current = observed;
             (current & OPEN) != 0 && current >>> GENERATION_SHIFT == generation;
             current = state.get()) {
            if (state.compareAndSet(current, current + 1)) {
                return true;
            }
        }
        return false;
    }

    private void drain(int worker) {
        Job current = job;
        int tasks = taskCount;
        for (int task = nextTask.getAndIncrement(); task < tasks; task = nextTask.getAndIncrement()) {
            current.run(task, worker);
        }
    }

    private void pause(int spins) {
        if (spins < SPINS) {
            Thread.onSpinWait();
        } else if (spins < SPINS + YIELDS) {
            Thread.yield();
        } else {
            LockSupport.park(this);
        }
    }
}
