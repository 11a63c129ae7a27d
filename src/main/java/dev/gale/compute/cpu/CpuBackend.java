package dev.gale.compute.cpu;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import dev.gale.compute.StepScalars;

/**
 * The multithreaded CPU backend: float32 kernels, vectorized with {@code jdk.incubator.vector} when
 * the JVM has it, run by a persistent pool of worker threads. Every op's result is bit-identical for
 * any thread count and from run to run: work is split only over independent outputs, in ranges fixed
 * by the op's shape, and reductions add fixed chunks in a fixed order. A compiled plan is meant to be
 * run by one thread at a time, as a training loop does.
 */
public final class CpuBackend implements Backend {

    /** Outputs per task of the element-wise ops: enough work to amortize a dispatch. */
    private static final int GRAIN = 1 << 14;

    private final int threads;
    private final boolean vectorized;
    private final Kernels kernels;
    private final WorkerPool pool;

    /** Vector kernels when {@link #vectorAvailable()}, else scalar; {@code threads <= 0}: all cores. */
    public CpuBackend(int threads) {
        this(threads, vectorAvailable());
    }

    /**
     * @throws IllegalStateException when {@code vectorized} is asked for on a JVM without the
     *     {@code jdk.incubator.vector} module
     */
    public CpuBackend(int threads, boolean vectorized) {
        if (vectorized && !vectorAvailable()) {
            throw new IllegalStateException("the CPU backend's vector kernels need the jdk.incubator.vector"
                    + " module: start the JVM with --add-modules=jdk.incubator.vector");
        }
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.vectorized = vectorized;
        // Reached only with the module present: a JVM without it never loads VectorKernels.
        this.kernels = vectorized ? VectorKernels.create() : new ScalarKernels();
        this.pool = new WorkerPool(this.threads);
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer, i.e. vector kernels can run. */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The kernels a backend opened now would use, e.g. {@code vector kernels (512-bit, 16 floats)}. */
    static String kernelDescription() {
        return vectorAvailable() ? VectorKernels.describe() : "scalar kernels";
    }

    @Override
    public String description() {
        return "cpu (" + threads + (threads == 1 ? " thread, " : " threads, ")
                + (vectorized ? "vector" : "scalar") + ")";
    }

    @Override
    public Buffer allocate(int length) {
        return new CpuBuffer(length);
    }

    @Override
    public void write(Buffer target, float[] source) {
        System.arraycopy(source, 0, data(target), 0, source.length);
    }

    @Override
    public void read(Buffer source, float[] target) {
        System.arraycopy(data(source), 0, target, 0, target.length);
    }

    @Override
    public CompiledPlan compile(StepPlan plan) {
        GemmStep.Packing packing = new GemmStep.Packing();
        Step[] steps = new Step[plan.ops().size()];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = compile(plan.ops().get(i), packing);
        }
        packing.allocate();
        return () -> {
            for (Step step : steps) {
                step.run();
            }
        };
    }

    @Override
    public void close() {
        pool.close();
    }

    private Step compile(Op op, GemmStep.Packing packing) {
        return switch (op) {
            case Op.Gemm o -> new GemmStep(o, data(o.a()), data(o.b()), data(o.c()), kernels, pool, packing);
            case Op.BiasActivation o -> {
                float[] z = data(o.z());
                float[] bias = data(o.bias());
                float[] out = data(o.out());
                yield rows(o.rows(), o.cols(), (from, to, worker) ->
                        kernels.biasActivation(z, bias, out, o.cols(), from, to, o.function(), o.slope()));
            }
            case Op.RowSoftmax o -> {
                float[] z = data(o.z());
                float[] out = data(o.out());
                yield rows(o.rows(), o.cols(), (from, to, worker) -> kernels.rowSoftmax(z, out, o.cols(), from, to));
            }
            case Op.ActivationGradient o -> {
                float[] delta = data(o.delta());
                float[] z = data(o.z());
                float[] a = data(o.a());
                yield new RangeStep(pool, o.count(), GRAIN, (from, to, worker) ->
                        kernels.activationGradient(delta, z, a, from, to, o.function(), o.slope()));
            }
            case Op.MaxoutForward o -> {
                float[] z = data(o.z());
                float[] out = data(o.out());
                yield new RangeStep(pool, o.rows() * o.units(), Math.max(1, GRAIN / o.pieces()),
                        (from, to, worker) -> kernels.maxoutForward(z, out, o.pieces(), from, to));
            }
            case Op.MaxoutBackward o -> {
                float[] deltaOut = data(o.deltaOut());
                float[] z = data(o.z());
                float[] deltaZ = data(o.deltaZ());
                yield new RangeStep(pool, o.rows() * o.units(), Math.max(1, GRAIN / o.pieces()),
                        (from, to, worker) -> kernels.maxoutBackward(deltaOut, z, deltaZ, o.pieces(), from, to));
            }
            case Op.LossGradient o -> {
                float[] output = data(o.output());
                float[] logits = data(o.logits());
                float[] target = data(o.target());
                float[] delta = o.delta() == null ? null : data(o.delta());
                float[] loss = data(o.loss());
                yield new SumStep(pool, o.rows(), rowGrain(o.cols()),
                        (from, to) -> kernels.loss(o.function(), output, logits, target, delta, o.cols(), from, to),
                        total -> loss[0] = (float) (total / o.rows()));
            }
            case Op.L2Penalty o -> {
                float[] weights = data(o.weights());
                float[] gradient = o.gradient() == null ? null : data(o.gradient());
                float[] loss = data(o.loss());
                float coefficient = o.coefficient();
                yield new SumStep(pool, o.count(), GRAIN, (from, to) -> {
                    if (gradient != null) {
                        kernels.addScaled(gradient, coefficient, weights, from, to);
                    }
                    return kernels.sumOfSquares(weights, from, to);
                }, total -> loss[0] = (float) (loss[0] + 0.5 * coefficient * total));
            }
            case Op.ColumnSums o -> {
                float[] source = data(o.source());
                float[] target = data(o.target());
                // Columns are the independent outputs, each summed over every row in row order, so
                // tasks take column ranges, as wide as about GRAIN elements of work.
                int grain = Math.min(o.cols(), Math.max(1, GRAIN / o.rows()));
                double[][] sums = new double[threads][grain];
                yield new RangeStep(pool, o.cols(), grain, (from, to, worker) ->
                        kernels.columnSums(source, target, o.rows(), o.cols(), from, to, o.alpha(), sums[worker]));
            }
            case Op.SgdUpdate o -> {
                float[] weights = data(o.weights());
                float[] gradient = data(o.gradient());
                float[] scalars = data(o.scalars());
                yield new RangeStep(pool, o.count(), GRAIN, (from, to, worker) ->
                        kernels.addScaled(weights, -scalars[StepScalars.LEARNING_RATE], gradient, from, to));
            }
            case Op.MomentumUpdate o -> {
                float[] weights = data(o.weights());
                float[] gradient = data(o.gradient());
                float[] velocity = data(o.velocity());
                float[] scalars = data(o.scalars());
                yield new RangeStep(pool, o.count(), GRAIN, (from, to, worker) ->
                        kernels.momentum(weights, gradient, velocity, o.momentum(),
                                scalars[StepScalars.LEARNING_RATE], o.nesterov(), from, to));
            }
            case Op.AdamUpdate o -> {
                float[] weights = data(o.weights());
                float[] gradient = data(o.gradient());
                float[] first = data(o.firstMoment());
                float[] second = data(o.secondMoment());
                float[] scalars = data(o.scalars());
                yield new RangeStep(pool, o.count(), GRAIN, (from, to, worker) ->
                        kernels.adam(weights, gradient, first, second, o.beta1(), o.beta2(), o.epsilon(),
                                o.weightDecay(), scalars[StepScalars.LEARNING_RATE],
                                scalars[StepScalars.FIRST_MOMENT_CORRECTION],
                                scalars[StepScalars.SECOND_MOMENT_CORRECTION], from, to));
            }
        };
    }

    private RangeStep rows(int rows, int cols, RangeStep.Body body) {
        return new RangeStep(pool, rows, rowGrain(cols), body);
    }

    private static int rowGrain(int cols) {
        return Math.max(1, GRAIN / cols);
    }

    private float[] data(Buffer buffer) {
        return Backend.own(buffer, CpuBuffer.class, this).data;
    }
}
