package dev.gale.compute.cpu;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.DropoutMask;
import dev.gale.compute.LossFunction;
import dev.gale.compute.Op;
import dev.gale.compute.Pointwise;
import dev.gale.compute.StepPlan;
import dev.gale.compute.StepScalars;
import java.util.ArrayList;
import java.util.List;

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
    /**
     * Outputs per task where each takes an exponential: about 1 ns in a vector sigmoid or tanh, so
     * that a task is a few microseconds, as a GRAIN of ReLU is.
     */
    private static final int EXP_GRAIN = 1 << 12;
    /**
     * Outputs per task where each takes a double exponential or logarithm (softmax, the logistic
     * and softmax losses), about 7 ns: a task is then about 2 us, still several dispatches' worth
     * (0.3 us measured), so the output layer of a small network no longer runs on one thread.
     */
    private static final int DOUBLE_EXP_GRAIN = 1 << 8;

    private final int threads;
    private final CpuSettings settings;
    private final Kernels kernels;
    private final WorkerPool pool;

    /** This machine's choices (see {@link CpuSettings}); {@code threads <= 0}: all cores. */
    public CpuBackend(int threads) {
        this(threads, CpuSettings.ofThisMachine());
    }

    /**
     * This machine's choices, with vector or scalar kernels.
     *
     * @throws IllegalStateException when {@code vectorized} is asked for on a JVM without the
     *     {@code jdk.incubator.vector} module
     */
    public CpuBackend(int threads, boolean vectorized) {
        this(threads, checked(vectorized));
    }

    CpuBackend(int threads, CpuSettings settings) {
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        this.settings = settings;
        this.kernels = settings.kernels();
        this.pool = new WorkerPool(this.threads);
    }

    private static CpuSettings checked(boolean vectorized) {
        if (vectorized && !vectorAvailable()) {
            throw new IllegalStateException("the CPU backend's vector kernels need the jdk.incubator.vector"
                    + " module: start the JVM with --add-modules=jdk.incubator.vector");
        }
        return CpuSettings.ofThisMachine(vectorized);
    }

    /** Whether {@code jdk.incubator.vector} is in the boot layer, i.e. vector kernels can run. */
    public static boolean vectorAvailable() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** e.g. {@code cpu (2 threads, vector kernels 512-bit, tile 8x32, L2 1024 KiB, L3 32768 KiB)}. */
    @Override
    public String description() {
        return "cpu (" + threads + (threads == 1 ? " thread, " : " threads, ") + settings.describe(kernels) + ")";
    }

    @Override
    public Buffer allocate(int length) {
        return new CpuBuffer(length);
    }

    @Override
    public void write(Buffer target, float[] source) {
        System.arraycopy(source, 0, data(target), target.offset(), source.length);
    }

    @Override
    public void read(Buffer source, float[] target) {
        System.arraycopy(data(source), source.offset(), target, 0, target.length);
    }

    @Override
    public CompiledPlan compile(StepPlan plan) {
        GemmStep.Packing packing = new GemmStep.Packing(threads);
        List<Stage> stages = new ArrayList<>();
        for (List<List<Op>> independent : schedule(plan.ops())) {
            packing.newStage();
            stages.add(new Stage(pool, independent.stream().map(unit -> compile(unit, packing)).toList()));
        }
        packing.allocate();
        Stage[] run = stages.toArray(Stage[]::new);
        CompiledPlan.Traffic traffic = new CompiledPlan.Traffic(run.length, 0, 0);
        return new CompiledPlan() {
            @Override
            public void run() {
                for (Stage stage : run) {
                    stage.run();
                }
            }

            @Override
            public Traffic traffic() {
                return traffic;
            }
        };
    }

    /**
     * How a plan runs: stages in order, each a list of units that run at once, each unit one op or a
     * GEMM with its epilogue.
     */
    List<List<List<Op>>> schedule(List<Op> ops) {
        return stages(fused(ops));
    }

    /**
     * The ops in order as units of one op, or of a GEMM and the element-wise op on its C that
     * follows it (bias + activation forward, the activation gradient backward), which then runs on
     * each band of C as the GEMM finishes it.
     */
    private List<List<Op>> fused(List<Op> ops) {
        List<List<Op>> units = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof Op.Gemm gemm && i + 1 < ops.size() && onC(gemm, ops.get(i + 1))) {
                units.add(List.of(gemm, ops.get(++i)));
            } else {
                units.add(List.of(ops.get(i)));
            }
        }
        return units;
    }

    /** Whether {@code next} works element by element on all of C and reads nothing else the GEMM writes. */
    private boolean onC(Op.Gemm gemm, Op next) {
        Buffer c = gemm.c();
        return switch (next) {
            case Op.BiasActivation o -> startsAt(o.z(), c) && o.rows() == gemm.m() && o.cols() == gemm.n()
                    && !Buffer.overlap(o.bias(), c) && (startsAt(o.out(), c) || !Buffer.overlap(o.out(), c));
            case Op.ActivationGradient o -> startsAt(o.delta(), c) && o.count() == gemm.m() * gemm.n()
                    && !Buffer.overlap(o.z(), c) && !Buffer.overlap(o.a(), c);
            default -> false;
        };
    }

    private static boolean startsAt(Buffer buffer, Buffer c) {
        return buffer.whole() == c.whole() && buffer.offset() == c.offset();
    }

    /** The units in order, consecutive ones grouped while none touches an array another one writes. */
    private List<List<List<Op>>> stages(List<List<Op>> units) {
        List<List<List<Op>>> stages = new ArrayList<>();
        for (List<Op> unit : units) {
            if (stages.isEmpty() || !stages.getLast().stream().allMatch(other -> independent(other, unit))) {
                stages.add(new ArrayList<>());
            }
            stages.getLast().add(unit);
        }
        return stages;
    }

    private boolean independent(List<Op> first, List<Op> second) {
        return !touches(writes(first), buffers(second)) && !touches(writes(second), buffers(first));
    }

    private static List<Buffer> writes(List<Op> unit) {
        return unit.stream().flatMap(op -> op.writes().stream()).toList();
    }

    private static List<Buffer> buffers(List<Op> unit) {
        return unit.stream().flatMap(op -> op.buffers().stream()).toList();
    }

    private static boolean touches(List<Buffer> written, List<Buffer> used) {
        return written.stream().anyMatch(w -> used.stream().anyMatch(u -> Buffer.overlap(u, w)));
    }

    @Override
    public void close() {
        pool.close();
    }

    private Step compile(List<Op> unit, GemmStep.Packing packing) {
        if (unit.size() == 1) {
            return compile(unit.getFirst(), packing);
        }
        Op.Gemm gemm = (Op.Gemm) unit.getFirst();
        GemmStep.Epilogue epilogue = switch (unit.getLast()) {
            case Op.BiasActivation o -> biasActivation(o);
            case Op.ActivationGradient o -> {
                RangeStep.Body gradient = activationGradient(o);
                int n = gemm.n();
                yield (rowFrom, rowTo, colFrom, colTo) -> {
                    for (int r = rowFrom; r < rowTo; r++) {
                        gradient.run(r * n + colFrom, r * n + colTo, 0);
                    }
                };
            }
            default -> throw new IllegalArgumentException("not an epilogue: " + unit.getLast());
        };
        return new GemmStep(gemm, data(gemm.a()), data(gemm.b()), data(gemm.c()), kernels, settings.blocking(), threads, packing, epilogue);
    }

    /** {@code z += bias; out = g(z)} over a block of rows and columns. */
    private GemmStep.Epilogue biasActivation(Op.BiasActivation o) {
        float[] z = data(o.z());
        float[] bias = data(o.bias());
        float[] out = data(o.out());
        int zOff = o.z().offset();
        int biasOff = o.bias().offset();
        int outOff = o.out().offset();
        return (rowFrom, rowTo, colFrom, colTo) -> kernels.biasActivation(z, zOff, bias, biasOff, out, outOff,
                o.cols(), rowFrom, rowTo, colFrom, colTo, o.function(), o.slope());
    }

    /** {@code delta *= g'} over a range of elements. */
    private RangeStep.Body activationGradient(Op.ActivationGradient o) {
        float[] delta = data(o.delta());
        float[] z = data(o.z());
        float[] a = data(o.a());
        int deltaOff = o.delta().offset();
        int zOff = o.z().offset();
        int aOff = o.a().offset();
        return (from, to, worker) -> kernels.activationGradient(delta, deltaOff, z, zOff, a, aOff, from, to,
                o.function(), o.slope());
    }

    private Step compile(Op op, GemmStep.Packing packing) {
        return switch (op) {
            case Op.Gemm o -> new GemmStep(o, data(o.a()), data(o.b()), data(o.c()), kernels, settings.blocking(), threads, packing, null);
            case Op.BiasActivation o -> {
                GemmStep.Epilogue block = biasActivation(o);
                int grain = o.function() == Pointwise.SIGMOID || o.function() == Pointwise.TANH ? EXP_GRAIN : GRAIN;
                yield rows(o.rows(), o.cols(), grain, (from, to, worker) -> block.apply(from, to, 0, o.cols()));
            }
            case Op.RowSoftmax o -> {
                float[] z = data(o.z());
                float[] out = data(o.out());
                int zOff = o.z().offset();
                int outOff = o.out().offset();
                yield rows(o.rows(), o.cols(), DOUBLE_EXP_GRAIN,
                        (from, to, worker) -> kernels.rowSoftmax(z, zOff, out, outOff, o.cols(), from, to));
            }
            case Op.ActivationGradient o -> new RangeStep(o.count(), GRAIN, activationGradient(o));
            case Op.MaxoutForward o -> {
                float[] z = data(o.z());
                float[] out = data(o.out());
                int zOff = o.z().offset();
                int outOff = o.out().offset();
                yield new RangeStep(o.rows() * o.units(), Math.max(1, GRAIN / o.pieces()),
                        (from, to, worker) -> kernels.maxoutForward(z, zOff, out, outOff, o.pieces(), from, to));
            }
            case Op.MaxoutBackward o -> {
                float[] deltaOut = data(o.deltaOut());
                float[] z = data(o.z());
                float[] deltaZ = data(o.deltaZ());
                int deltaOutOff = o.deltaOut().offset();
                int zOff = o.z().offset();
                int deltaZOff = o.deltaZ().offset();
                yield new RangeStep(o.rows() * o.units(), Math.max(1, GRAIN / o.pieces()),
                        (from, to, worker) -> kernels.maxoutBackward(deltaOut, deltaOutOff, z, zOff, deltaZ, deltaZOff,
                                o.pieces(), from, to));
            }
            case Op.LossGradient o -> {
                float[] output = data(o.output());
                float[] logits = data(o.logits());
                float[] target = data(o.target());
                float[] delta = o.delta() == null ? null : data(o.delta());
                float[] loss = data(o.loss());
                int outputOff = o.output().offset();
                int logitsOff = o.logits().offset();
                int targetOff = o.target().offset();
                int deltaOff = o.delta() == null ? 0 : o.delta().offset();
                int lossAt = o.loss().offset();
                int grain = o.function() == LossFunction.MEAN_SQUARED_ERROR ? GRAIN : DOUBLE_EXP_GRAIN;
                yield new SumStep(o.rows(), rowGrain(o.cols(), grain),
                        (from, to) -> kernels.loss(o.function(), output, outputOff, logits, logitsOff, target, targetOff,
                                delta, deltaOff, o.cols(), from, to),
                        total -> loss[lossAt] = (float) (total / o.rows()));
            }
            case Op.L2Penalty o -> {
                float[] weights = data(o.weights());
                float[] gradient = o.gradient() == null ? null : data(o.gradient());
                float[] loss = data(o.loss());
                int weightsOff = o.weights().offset();
                int gradientOff = o.gradient() == null ? 0 : o.gradient().offset();
                int lossAt = o.loss().offset();
                float coefficient = o.coefficient();
                yield new SumStep(o.count(), GRAIN, (from, to) -> {
                    if (gradient != null) {
                        kernels.addScaled(gradient, gradientOff, coefficient, weights, weightsOff, from, to);
                    }
                    return kernels.sumOfSquares(weights, weightsOff, from, to);
                }, total -> loss[lossAt] = (float) (loss[lossAt] + 0.5 * coefficient * total));
            }
            case Op.ColumnSums o -> {
                float[] source = data(o.source());
                float[] target = data(o.target());
                int sourceOff = o.source().offset();
                int targetOff = o.target().offset();
                // Columns are the independent outputs, each summed over every row in row order, so
                // tasks take column ranges, as wide as about GRAIN elements of work.
                int grain = Math.min(o.cols(), Math.max(1, GRAIN / o.rows()));
                double[][] sums = new double[threads][grain];
                yield new RangeStep(o.cols(), grain, (from, to, worker) ->
                        kernels.columnSums(source, sourceOff, target, targetOff, o.rows(), o.cols(), from, to, o.alpha(),
                                sums[worker]));
            }
            case Op.Dropout o -> {
                float[] in = data(o.in());
                float[] out = data(o.out());
                float[] scalars = data(o.scalars());
                int inOff = o.in().offset();
                int outOff = o.out().offset();
                int at = o.scalars().offset();
                int threshold = DropoutMask.threshold(o.rate());
                float scale = DropoutMask.scale(o.rate());
                yield new RangeStep(o.count(), GRAIN, (from, to, worker) -> kernels.dropout(in, inOff, out, outOff,
                        o.seed(), StepScalars.step(scalars[at + StepScalars.STEP_LOW], scalars[at + StepScalars.STEP_HIGH]),
                        threshold, scale, from, to));
            }
            case Op.SgdUpdate o -> {
                float[] weights = data(o.weights());
                float[] gradient = data(o.gradient());
                float[] scalars = data(o.scalars());
                int weightsOff = o.weights().offset();
                int gradientOff = o.gradient().offset();
                int rate = o.scalars().offset() + StepScalars.LEARNING_RATE;
                yield new RangeStep(o.count(), GRAIN, (from, to, worker) ->
                        kernels.addScaled(weights, weightsOff, -scalars[rate], gradient, gradientOff, from, to));
            }
            case Op.MomentumUpdate o -> {
                float[] weights = data(o.weights());
                float[] gradient = data(o.gradient());
                float[] velocity = data(o.velocity());
                float[] scalars = data(o.scalars());
                int weightsOff = o.weights().offset();
                int gradientOff = o.gradient().offset();
                int velocityOff = o.velocity().offset();
                int rate = o.scalars().offset() + StepScalars.LEARNING_RATE;
                yield new RangeStep(o.count(), GRAIN, (from, to, worker) ->
                        kernels.momentum(weights, weightsOff, gradient, gradientOff, velocity, velocityOff, o.momentum(),
                                scalars[rate], o.nesterov(), from, to));
            }
            case Op.AdamUpdate o -> {
                float[] weights = data(o.weights());
                float[] gradient = data(o.gradient());
                float[] first = data(o.firstMoment());
                float[] second = data(o.secondMoment());
                float[] scalars = data(o.scalars());
                int weightsOff = o.weights().offset();
                int gradientOff = o.gradient().offset();
                int firstOff = o.firstMoment().offset();
                int secondOff = o.secondMoment().offset();
                int at = o.scalars().offset();
                int decayed = o.decayed();
                yield new RangeStep(o.count(), GRAIN, (from, to, worker) -> {
                    float lr = scalars[at + StepScalars.LEARNING_RATE];
                    float c1 = scalars[at + StepScalars.FIRST_MOMENT_CORRECTION];
                    float c2 = scalars[at + StepScalars.SECOND_MOMENT_CORRECTION];
                    // The first decayed elements (weights) take the weight decay, the rest (biases) none.
                    int split = Math.clamp(decayed, from, to);
                    kernels.adam(weights, weightsOff, gradient, gradientOff, first, firstOff, second, secondOff,
                            o.beta1(), o.beta2(), o.epsilon(), o.weightDecay(), lr, c1, c2, from, split);
                    kernels.adam(weights, weightsOff, gradient, gradientOff, first, firstOff, second, secondOff,
                            o.beta1(), o.beta2(), o.epsilon(), 0f, lr, c1, c2, split, to);
                });
            }
            case Op.AllReduce o -> {
                float[] gradient = data(o.gradient());
                float[] loss = data(o.loss());
                int gradientOff = o.gradient().offset();
                int lossAt = o.loss().offset();
                // No tasks: the exchange runs in finish, on the thread that runs the plan, so that a
                // failed peer's exception reaches the caller as it is.
                yield new Step() {
                    @Override
                    public int phases() {
                        return 1;
                    }

                    @Override
                    public int tasks(int phase) {
                        return 0;
                    }

                    @Override
                    public void run(int phase, int task, int worker) {
                    }

                    @Override
                    public void finish() {
                        loss[lossAt] = o.collective().allReduce(gradient, gradientOff, o.count(),
                                o.lossShare() * loss[lossAt]);
                    }
                };
            }
        };
    }

    private RangeStep rows(int rows, int cols, int grain, RangeStep.Body body) {
        return new RangeStep(rows, rowGrain(cols, grain), body);
    }

    /** Rows per task for about {@code grain} outputs per task. */
    private static int rowGrain(int cols, int grain) {
        return Math.max(1, grain / cols);
    }

    private float[] data(Buffer buffer) {
        return Backend.own(buffer, CpuBuffer.class, this).data;
    }
}
