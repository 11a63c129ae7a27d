package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.LossFunction;
import dev.gale.compute.Op;
import dev.gale.compute.Pointwise;
import dev.gale.compute.StepPlan;
import dev.gale.compute.StepScalars;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Once the JIT has compiled the kernels, running a plan allocates nothing on the caller or the
 * workers: one of each op, sized so that the element-wise ops and the GEMMs split into several tasks.
 * ReLU runs first and tanh after it: run on its own, in a fresh JVM, this class is a JVM that
 * trains a ReLU network and then a tanh one. A vector that met tanh's code left out of line was
 * boxed in the first (16.8 MB a step of the wide network at 256 bits), and in the second every
 * gradient vector was, once the JIT had compiled g' on its own between the two.
 */
class SteadyStateAllocationTest {

    private static final int RUNS = 50;
    private static final int WINDOWS = 40;

    @ParameterizedTest
    @CsvSource({"1, true, RELU", "2, true, RELU", "1, true, TANH", "2, true, TANH", "1, false, TANH",
        "2, false, TANH"})
    void aCompiledPlanRunsWithoutAllocating(int threads, boolean vectorized, Pointwise activation) {
        try (CpuBackend backend = new CpuBackend(threads, vectorized)) {
            CompiledPlan plan = backend.compile(everyOp(backend, activation));
            List<Long> allocated = allocatedUntilSteady(plan::run, WINDOWS);
            if (!allocated.isEmpty()) {
                fail(backend.description() + " allocated in every window of " + RUNS + " runs: " + allocated);
            }
        }
    }

    /**
     * The training step of the benchmarks' small network, in a JVM that has run nothing else: which
     * code the JIT compiles, and so whether a vector is boxed, depends on what the JVM ran before
     * (in a form of the packing tried and not kept, a helper never run in the step's JVM boxed every
     * vector of A's transposes there, 753 KB a step, and in no JVM of this suite; see the README's
     * Performance section, item 8). The child gets this JVM's vector width.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aFreshJvmRunsTheTrainingStepWithoutAllocating(int threads) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(argument -> argument.startsWith("--add-modules") || argument.startsWith("-XX:UseAVX"))
                .forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                TrainingStepAllocationMain.class.getName(), "784-256-128-10/128", Integer.toString(threads)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), output);
        assertEquals(0, process.exitValue(), output);
    }

    /**
     * Runs {@code run} in up to {@code windows} windows of {@link #RUNS} until one allocates nothing
     * on the caller or the workers: an empty list, or what each window allocated if none was clean.
     * The first windows run while the JIT compiles; a steady state must show up soon after.
     */
    static List<Long> allocatedUntilSteady(Runnable run, int windows) {
        var threadBean = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long[] ids = threadIds();
        List<Long> allocated = new ArrayList<>();
        for (int window = 0; window < windows; window++) {
            long before = allocated(threadBean, ids);
            for (int i = 0; i < RUNS; i++) {
                run.run();
            }
            long bytes = allocated(threadBean, ids) - before;
            if (bytes == 0) {
                return List.of();
            }
            allocated.add(bytes);
        }
        return allocated;
    }

    /** The calling thread and the backend's workers, the only live ones by that name. */
    private static long[] threadIds() {
        List<Long> ids = new ArrayList<>(List.of(Thread.currentThread().threadId()));
        Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.getName().startsWith("gale-cpu-worker-"))
                .forEach(thread -> ids.add(thread.threadId()));
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    /** One thread at a time: the array-valued query would itself allocate its result. */
    private static long allocated(com.sun.management.ThreadMXBean threadBean, long[] ids) {
        long total = 0;
        for (long id : ids) {
            total += threadBean.getThreadAllocatedBytes(id);
        }
        return total;
    }

    /** A training step of a one-hidden-layer network, plus the ops such a step does not use. */
    static StepPlan everyOp(CpuBackend backend, Pointwise activation) {
        int batch = 256;
        int in = 64;
        int hidden = 128;
        int out = 10;
        Random random = new Random(1);
        Buffer x = filled(backend, batch * in, random);
        Buffer w1 = filled(backend, in * hidden, random);
        Buffer b1 = filled(backend, hidden, random);
        Buffer w2 = filled(backend, hidden * out, random);
        Buffer y = filled(backend, batch * out, random);
        Buffer z1 = backend.allocate(batch * hidden);
        Buffer a1 = backend.allocate(batch * hidden);
        Buffer z2 = backend.allocate(batch * out);
        Buffer h = backend.allocate(batch * out);
        Buffer delta2 = backend.allocate(batch * out);
        Buffer delta1 = backend.allocate(batch * hidden);
        Buffer g1 = backend.allocate(in * hidden);
        Buffer gb1 = backend.allocate(hidden);
        Buffer g2 = backend.allocate(hidden * out);
        Buffer loss = backend.allocate(1);
        Buffer maxout = backend.allocate(batch * hidden / 2);
        Buffer maxoutDelta = backend.allocate(batch * hidden);
        Buffer velocity = backend.allocate(in * hidden);
        Buffer first = backend.allocate(hidden * out);
        Buffer second = backend.allocate(hidden * out);
        Buffer dropped = backend.allocate(batch * hidden);
        Buffer scalars = backend.allocate(StepScalars.LENGTH);
        backend.write(scalars, new float[] {0.01f, 1.1f, 1.2f, 7, 1});
        return new StepPlan("every op", List.of(
                new Op.Gemm(x, false, w1, false, z1, batch, hidden, in, 1, 0),
                new Op.BiasActivation(z1, b1, a1, batch, hidden, activation, 0),
                new Op.MaxoutForward(z1, maxout, batch, hidden / 2, 2),
                new Op.Gemm(a1, false, w2, false, z2, batch, out, hidden, 1, 0),
                new Op.RowSoftmax(z2, h, batch, out),
                new Op.LossGradient(LossFunction.SOFTMAX_CROSS_ENTROPY, h, z2, y, delta2, loss, batch, out),
                new Op.L2Penalty(w1, g1, loss, in * hidden, 0.01f),
                new Op.Gemm(a1, true, delta2, false, g2, hidden, out, batch, 1, 0),
                new Op.Gemm(delta2, false, w2, true, delta1, batch, hidden, out, 1, 0),
                new Op.ActivationGradient(delta1, z1, a1, batch * hidden, activation, 0),
                new Op.MaxoutBackward(maxout, z1, maxoutDelta, batch, hidden / 2, 2),
                new Op.Gemm(x, true, delta1, false, g1, in, hidden, batch, 1, 0.5f),
                new Op.ColumnSums(delta1, gb1, batch, hidden, 1f / batch),
                new Op.SgdUpdate(b1, gb1, hidden, scalars),
                new Op.MomentumUpdate(w1, g1, velocity, in * hidden, 0.9f, true, scalars),
                new Op.AdamUpdate(w2, g2, first, second, hidden * out, hidden * out, 0.9f, 0.999f, 1e-8f, 0.01f, scalars),
                new Op.Dropout(a1, dropped, batch * hidden, 0.3f, 5, scalars)));
    }

    private static Buffer filled(CpuBackend backend, int length, Random random) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        Buffer buffer = backend.allocate(length);
        backend.write(buffer, values);
        return buffer;
    }
}
