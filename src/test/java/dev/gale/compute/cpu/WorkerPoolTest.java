package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkerPoolTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void runsEveryTaskExactlyOnce(int threads) {
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (int tasks : new int[] {0, 1, 2, 3, 7, 100, 1000}) {
                AtomicIntegerArray runs = new AtomicIntegerArray(tasks);
                pool.run(tasks, (task, worker) -> runs.incrementAndGet(task));
                for (int task = 0; task < tasks; task++) {
                    assertEquals(1, runs.get(task), "task " + task + " of " + tasks);
                }
            }
        }
    }

    @Test
    void survivesManyDispatchesAndPublishesResults() {
        try (WorkerPool pool = new WorkerPool(3)) {
            int[] results = new int[9];
            for (int dispatch = 1; dispatch <= 20_000; dispatch++) {
                int tasks = 1 + dispatch % results.length;
                int value = dispatch;
                // Plain writes, slower on the workers than on the caller: the caller must wait for
                // them, and see them.
                pool.run(tasks, (task, worker) -> {
                    for (int spin = worker == 0 ? 0 : 200; spin > 0; spin--) {
                        Thread.onSpinWait();
                    }
                    results[task] = value;
                });
                for (int task = 0; task < tasks; task++) {
                    assertEquals(dispatch, results[task], "dispatch " + dispatch + ", task " + task);
                }
            }
        }
    }

    @Test
    void concurrentTasksNeverShareAWorkerIndex() {
        int threads = 3;
        try (WorkerPool pool = new WorkerPool(threads)) {
            AtomicIntegerArray busy = new AtomicIntegerArray(threads);
            AtomicIntegerArray clashes = new AtomicIntegerArray(1);
            for (int dispatch = 0; dispatch < 200; dispatch++) {
                pool.run(64, (task, worker) -> {
                    if (!busy.compareAndSet(worker, 0, 1)) {
                        clashes.incrementAndGet(0);
                    }
                    Thread.onSpinWait();
                    busy.set(worker, 0);
                });
            }
            assertEquals(0, clashes.get(0));
        }
    }

    @Test
    void theCallerRunsTasksAsWorkerZero() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            Thread caller = Thread.currentThread();
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            AtomicIntegerArray callerIndex = new AtomicIntegerArray(new int[] {-1});
            // Neither task can end before both have started, so two threads run them.
            CountDownLatch started = new CountDownLatch(2);
            pool.run(2, (task, worker) -> {
                seen.add(Thread.currentThread());
                if (Thread.currentThread() == caller) {
                    callerIndex.set(0, worker);
                }
                started.countDown();
                await(started);
            });
            assertEquals(2, seen.size());
            assertTrue(seen.contains(caller));
            assertEquals(0, callerIndex.get(0));
        }
    }

    @Test
    void closeStopsTheWorkers() throws InterruptedException {
        WorkerPool pool = new WorkerPool(3);
        Set<Thread> workers = ConcurrentHashMap.newKeySet();
        CountDownLatch started = new CountDownLatch(3);
        pool.run(3, (task, worker) -> {
            if (worker != 0) {
                workers.add(Thread.currentThread());
            }
            started.countDown();
            await(started);
        });
        assertEquals(2, workers.size());
        workers.forEach(worker -> assertTrue(worker.isDaemon(), worker + " is not a daemon"));
        pool.close();
        for (Thread worker : workers) {
            assertFalse(worker.isAlive(), worker + " still runs after close()");
        }
        assertThrows(IllegalStateException.class, () -> pool.run(2, (task, worker) -> { }));
    }

    @Test
    void aFailingTaskFailsTheDispatchAndThePoolCarriesOn() {
        try (WorkerPool pool = new WorkerPool(2)) {
            RuntimeException boom = new RuntimeException("boom");
            CountDownLatch started = new CountDownLatch(2);
            IllegalStateException inWorker = assertThrows(IllegalStateException.class, () -> pool.run(2, (task, worker) -> {
                started.countDown();
                await(started);
                if (worker != 0) {
                    throw boom;
                }
            }));
            assertSame(boom, inWorker.getCause());

            CountDownLatch bothStarted = new CountDownLatch(2);
            RuntimeException inCaller = assertThrows(RuntimeException.class, () -> pool.run(2, (task, worker) -> {
                bothStarted.countDown();
                await(bothStarted);
                if (worker == 0) {
                    throw boom;
                }
            }));
            assertSame(boom, inCaller);

            AtomicIntegerArray runs = new AtomicIntegerArray(50);
            pool.run(50, (task, worker) -> runs.incrementAndGet(task));
            for (int task = 0; task < 50; task++) {
                assertEquals(1, runs.get(task));
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("tasks that should run at the same time did not");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
