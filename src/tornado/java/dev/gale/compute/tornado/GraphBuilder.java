package dev.gale.compute.tornado;

import dev.gale.compute.Buffer;
import dev.gale.compute.DropoutMask;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Turns a {@link StepPlan} into the two task graphs of a {@link DevicePlan}: one task per op (two for
 * the reductions, whose partial sums are added in a fixed order by a single work-item), except that a
 * GEMM takes the op after it as its epilogue when that op works on exactly its C (bias and activation
 * forward, the activation gradient backward) or sums the columns of its transposed A (the bias
 * gradient beside the weight gradient), and a loss takes the softmax before it that computes its
 * output: each launch costs the device a dispatch and a pass over its data.
 */
final class GraphBuilder {

    /** Elements per partial sum of the L2 penalty. */
    private static final int CHUNK = 1024;
    /** Arrays per residency task ({@link Kernels#keep}). */
    private static final int KEPT = 8;
    /** Graph names must be unique across all execution plans of the process. */
    private static final AtomicLong PLANS = new AtomicLong();

    private final String name = "gale" + PLANS.incrementAndGet();
    private final Function<Buffer, TornadoBuffer> own;
    private final GemmKernel gemm;
    private final TaskGraph step = new TaskGraph(name + "step");
    private final GridScheduler grid = new GridScheduler();
    private boolean gridUsed;
    private final List<String> gemmKernels = new ArrayList<>();
    private int tasks;

    /** How GEMMs run: the plain {@code @Parallel} kernel, or the tiled one with the edge of C's tiles. */
    record GemmKernel(boolean tiled, int tile) {
    }

    private GraphBuilder(Function<Buffer, TornadoBuffer> own, GemmKernel gemm) {
        this.own = own;
        this.gemm = gemm;
    }

    static DevicePlan build(StepPlan plan, TornadoDevice device, Function<Buffer, TornadoBuffer> own, GemmKernel gemm) {
        return new GraphBuilder(own, gemm).build(plan, device);
    }

    private DevicePlan build(StepPlan plan, TornadoDevice device) {
        // A slice moves with its whole buffer: a device copy is of whole arrays.
        List<TornadoBuffer> inputs = plan.inputs().stream().map(own).distinct().toList();
        List<TornadoBuffer> outputs = plan.outputs().stream().map(own).distinct().toList();
        Set<TornadoBuffer> residentSet = new LinkedHashSet<>();
        for (Buffer buffer : plan.buffers()) {
            residentSet.add(own.apply(buffer));
        }
        residentSet.removeAll(inputs);
        residentSet.removeAll(outputs);
        List<TornadoBuffer> residents = List.copyOf(residentSet);
        Set<TornadoBuffer> writes = new LinkedHashSet<>();
        plan.ops().forEach(op -> op.writes().forEach(buffer -> writes.add(own.apply(buffer))));
        writes.retainAll(residentSet);

        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        if (!residents.isEmpty()) {
            graphs.add(residentGraph(residents).snapshot());
            step.consumeFromDevice(name + "residents", arrays(residents));
        }
        if (!inputs.isEmpty()) {
            step.transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays(inputs));
        }
        List<Op> ops = plan.ops();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            Op next = i + 1 < ops.size() ? ops.get(i + 1) : null;
            Epilogue epilogue = op instanceof Op.Gemm g && next != null ? epilogue(g, next) : null;
            if (op instanceof Op.RowSoftmax softmax && softmaxOf(softmax, next)) {
                checkDistinctArrays(next);
                addLoss((Op.LossGradient) next, true);
                i++;
            } else if (epilogue != null) {
                checkDistinctArrays(op);
                addGemm((Op.Gemm) op, epilogue);
                i++;
            } else {
                add(op);
            }
        }
        if (!outputs.isEmpty()) {
            step.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays(outputs));
        }
        graphs.add(step.snapshot());
        TornadoExecutionPlan execution = new TornadoExecutionPlan(graphs.toArray(ImmutableTaskGraph[]::new))
                .withDevice(device);
        if (gridUsed) {
            execution.withGridScheduler(grid);
        }
        return new DevicePlan(execution, residents, inputs, outputs, List.copyOf(writes), tasks, gemmKernels);
    }

    /** Uploads every resident on each run and keeps it on the device for the step graph. */
    private TaskGraph residentGraph(List<TornadoBuffer> residents) {
        TaskGraph graph = new TaskGraph(name + "residents");
        Object[] arrays = arrays(residents);
        graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays);
        for (int start = 0; start < arrays.length; start += KEPT) {
            FloatArray[] kept = new FloatArray[KEPT];
            int longest = 1;
            for (int i = 0; i < KEPT; i++) {
                // Distinct padding arrays: a task given one array twice never finishes TornadoVM's scheduling.
                kept[i] = start + i < arrays.length ? (FloatArray) arrays[start + i] : new FloatArray(1);
                longest = Math.max(longest, kept[i].getSize());
            }
            graph.task("keep" + start, Kernels::keep, kept[0], kept[1], kept[2], kept[3],
                    kept[4], kept[5], kept[6], kept[7], longest);
        }
        return graph.persistOnDevice(arrays);
    }

    /**
     * The epilogue that runs {@code next} inside {@code gemm}'s task, or null where {@code next} does
     * not fit one exactly: it must cover all of C (or, for the row sums, all of A) at the same offsets,
     * with the same scale, and bring no array the task already has except where the epilogue reads it
     * through that operand (the bias through B, the bias gradient through C).
     */
    private Epilogue epilogue(Op.Gemm gemm, Op next) {
        Buffer c = gemm.c();
        List<Buffer> operands = List.of(gemm.a(), gemm.b(), c);
        return switch (next) {
            case Op.BiasActivation o when startsAt(o.z(), c) && o.rows() == gemm.m() && o.cols() == gemm.n()
                    && o.bias().whole() == gemm.b().whole() -> {
                int function = function(o.function());
                if (startsAt(o.out(), c)) {
                    yield new Epilogue(Kernels.BIAS_ACTIVATION + function, null, 0, null, o.bias().offset(), o.slope());
                }
                yield apart(o.out(), operands) ? new Epilogue(Kernels.BIAS_ACTIVATION_INTO + function, o.out(),
                        o.out().offset(), null, o.bias().offset(), o.slope()) : null;
            }
            case Op.ActivationGradient o when startsAt(o.delta(), c) && o.count() == gemm.m() * gemm.n()
                    && apart(o.z(), operands) && apart(o.a(), operands) && o.z().whole() != o.a().whole() ->
                    new Epilogue(Kernels.ACTIVATION_GRADIENT + function(o.function()), o.z(), o.z().offset(), o.a(),
                            o.a().offset(), o.slope());
            case Op.ColumnSums o when gemm.transposeA() && startsAt(o.source(), gemm.a()) && o.rows() == gemm.k()
                    && o.cols() == gemm.m() && o.alpha() == gemm.alpha() && o.target().whole() == c.whole()
                    && !Buffer.overlap(o.target(), c) ->
                    new Epilogue(Kernels.ROW_SUMS, null, o.target().offset(), null, 0, 0f);
            default -> null;
        };
    }

    private static boolean startsAt(Buffer buffer, Buffer start) {
        return buffer.whole() == start.whole() && buffer.offset() == start.offset();
    }

    /** Whether {@code buffer} lies in none of the arrays of {@code operands}. */
    private static boolean apart(Buffer buffer, List<Buffer> operands) {
        return operands.stream().noneMatch(operand -> operand.whole() == buffer.whole());
    }

    /** Whether {@code op} writes its output over its input, which an in-place kernel of its own serves. */
    private static boolean inPlace(Op op) {
        return op instanceof Op.BiasActivation b && b.out().equals(b.z())
                || op instanceof Op.Dropout d && d.out().equals(d.in());
    }

    private static void checkDistinctArrays(Op op) {
        long arrays = op.buffers().stream().map(Buffer::whole).distinct().count();
        if (!inPlace(op) && arrays != op.buffers().size()) {
            throw new IllegalArgumentException("the TornadoVM backend cannot run " + op.getClass().getSimpleName()
                    + " with one buffer (or two slices of one) in two operands: TornadoVM never finishes scheduling"
                    + " such a task");
        }
    }

    private void add(Op op) {
        checkDistinctArrays(op);
        boolean inPlace = inPlace(op);
        switch (op) {
            case Op.BiasActivation o when inPlace -> step.task(task(), Kernels::biasActivationInPlace,
                    array(o.z()), o.z().offset(), array(o.bias()), o.bias().offset(), o.rows(), o.cols(),
                    function(o.function()), o.slope());
            case Op.Gemm g -> addGemm(g, Epilogue.STORE);
            case Op.BiasActivation o -> step.task(task(), Kernels::biasActivation, array(o.z()), o.z().offset(),
                    array(o.bias()), o.bias().offset(), array(o.out()), o.out().offset(), o.rows(), o.cols(),
                    function(o.function()), o.slope());
            case Op.RowSoftmax o -> step.task(task(), Kernels::rowSoftmax, array(o.z()), o.z().offset(),
                    array(o.out()), o.out().offset(), o.rows(), o.cols());
            case Op.ActivationGradient o -> step.task(task(), Kernels::activationGradient, array(o.delta()),
                    o.delta().offset(), array(o.z()), o.z().offset(), array(o.a()), o.a().offset(), o.count(),
                    function(o.function()), o.slope());
            case Op.MaxoutForward o -> step.task(task(), Kernels::maxoutForward, array(o.z()), o.z().offset(),
                    array(o.out()), o.out().offset(), o.rows() * o.units(), o.pieces());
            case Op.MaxoutBackward o -> step.task(task(), Kernels::maxoutBackward, array(o.deltaOut()),
                    o.deltaOut().offset(), array(o.z()), o.z().offset(), array(o.deltaZ()), o.deltaZ().offset(),
                    o.rows() * o.units(), o.pieces());
            case Op.LossGradient o -> addLoss(o, false);
            case Op.L2Penalty o -> {
                int chunks = (o.count() + CHUNK - 1) / CHUNK;
                DoubleArray partial = new DoubleArray(chunks);
                step.task(task(), Kernels::squaresByChunk, array(o.weights()), o.weights().offset(),
                        o.gradient() == null ? new FloatArray(1) : array(o.gradient()),
                        o.gradient() == null ? 0 : o.gradient().offset(), partial, o.count(), CHUNK,
                        o.coefficient(), o.gradient() == null ? 0 : 1);
                step.task(task(), Kernels::sumPartials, partial, chunks, array(o.loss()), o.loss().offset(), 1,
                        0.5 * o.coefficient());
            }
            case Op.ColumnSums o -> step.task(task(), Kernels::columnSums, array(o.source()), o.source().offset(),
                    array(o.target()), o.target().offset(), o.rows(), o.cols(), o.alpha());
            case Op.Dropout o when inPlace -> step.task(task(), Kernels::dropoutInPlace, array(o.in()), o.in().offset(),
                    array(o.scalars()), o.scalars().offset(), o.count(), o.seed(), DropoutMask.threshold(o.rate()),
                    DropoutMask.scale(o.rate()));
            case Op.Dropout o -> step.task(task(), Kernels::dropout, array(o.in()), o.in().offset(), array(o.out()),
                    o.out().offset(), array(o.scalars()), o.scalars().offset(), o.count(), o.seed(),
                    DropoutMask.threshold(o.rate()), DropoutMask.scale(o.rate()));
            case Op.SgdUpdate o -> step.task(task(), Kernels::sgd, array(o.weights()), o.weights().offset(),
                    array(o.gradient()), o.gradient().offset(), array(o.scalars()), o.scalars().offset(), o.count());
            case Op.MomentumUpdate o -> step.task(task(), Kernels::momentum, array(o.weights()), o.weights().offset(),
                    array(o.gradient()), o.gradient().offset(), array(o.velocity()), o.velocity().offset(),
                    array(o.scalars()), o.scalars().offset(), o.count(), o.momentum(), o.nesterov() ? 1 : 0);
            case Op.AdamUpdate o -> step.task(task(), Kernels::adam, array(o.weights()), o.weights().offset(),
                    array(o.gradient()), o.gradient().offset(), array(o.firstMoment()), o.firstMoment().offset(),
                    array(o.secondMoment()), o.secondMoment().offset(), array(o.scalars()), o.scalars().offset(),
                    o.count(), o.decayed(), o.beta1(), o.beta2(), o.epsilon(), o.weightDecay());
            case Op.AllReduce o -> throw new IllegalStateException("the backend runs the exchange on the host, "
                    + "between two device plans");
        }
    }

    /** With {@code softmaxFirst}, the loss's per-row task also computes its output as the softmax of its logits. */
    private void addLoss(Op.LossGradient o, boolean softmaxFirst) {
        DoubleArray rowLoss = new DoubleArray(o.rows());
        step.task(task(), Kernels::lossRows, array(o.output()), o.output().offset(), array(o.logits()),
                o.logits().offset(), array(o.target()), o.target().offset(),
                o.delta() == null ? new FloatArray(1) : array(o.delta()),
                o.delta() == null ? 0 : o.delta().offset(), rowLoss, o.rows(), o.cols(),
                loss(o.function()), o.delta() == null ? 0 : 1, softmaxFirst ? 1 : 0);
        step.task(task(), Kernels::sumPartials, rowLoss, o.rows(), array(o.loss()), o.loss().offset(), 0,
                1.0 / o.rows());
    }

    /** Whether {@code next} is a loss on exactly what {@code softmax} computes: its logits are z, its output out. */
    private static boolean softmaxOf(Op.RowSoftmax softmax, Op next) {
        return next instanceof Op.LossGradient loss && startsAt(loss.logits(), softmax.z())
                && startsAt(loss.output(), softmax.out()) && loss.rows() == softmax.rows()
                && loss.cols() == softmax.cols();
    }

    /**
     * What a GEMM task does with C (see {@link Kernels#STORE}): the kernel's epilogue code, its two
     * operands (null where the epilogue uses none), the offsets it takes with them (also where it
     * reads through B or C instead) and the leaky ReLU slope.
     */
    private record Epilogue(int code, Buffer first, int firstOff, Buffer second, int secondOff, float slope) {
        static final Epilogue STORE = new Epilogue(Kernels.STORE, null, 0, null, 0, 0f);
    }

    private void addGemm(Op.Gemm g, Epilogue epilogue) {
        // Flags rather than four strides: a TornadoVM task takes at most 20 parameters, the tiled kernel's count.
        int transposes = (g.transposeA() ? Kernels.TRANSPOSE_A : 0) | (g.transposeB() ? Kernels.TRANSPOSE_B : 0);
        // An operand passed as an unused one is a distinct one-element array: a task must not take an array twice.
        FloatArray first = epilogue.first() == null ? new FloatArray(1) : array(epilogue.first());
        FloatArray second = epilogue.second() == null ? new FloatArray(1) : array(epilogue.second());
        String id = task();
        if (!gemm.tiled()) {
            gemmKernels.add("@Parallel, one work-item per element");
            step.task(id, Kernels::gemm, array(g.a()), g.a().offset(), array(g.b()), g.b().offset(), array(g.c()),
                    g.c().offset(), g.m(), g.n(), g.k(), transposes, g.alpha(), g.beta(), epilogue.code(), first,
                    epilogue.firstOff(), second, epilogue.secondOff(), epilogue.slope());
            return;
        }
        step.task(id, Kernels::gemmTiled, new KernelContext(), array(g.a()), g.a().offset(), array(g.b()),
                g.b().offset(), array(g.c()), g.c().offset(), g.m(), g.n(), g.k(), transposes, g.alpha(), g.beta(),
                gemm.tile(), epilogue.code(), first, epilogue.firstOff(), second, epilogue.secondOff(),
                epilogue.slope());
        int edge = gemm.tile() / Kernels.WORK_PER_ITEM;
        WorkerGrid2D worker = new WorkerGrid2D(roundUp(g.n(), gemm.tile()) / Kernels.WORK_PER_ITEM,
                roundUp(g.m(), gemm.tile()) / Kernels.WORK_PER_ITEM);
        worker.setLocalWork(edge, edge, 1);
        gemmKernels.add("tiled, work-group " + edge + "x" + edge);
        grid.addWorkerGrid(step.getTaskGraphName() + "." + id, worker);
        gridUsed = true;
    }

    private String task() {
        return "t" + tasks++;
    }

    private FloatArray array(Buffer buffer) {
        return own.apply(buffer).array;
    }

    private static Object[] arrays(List<TornadoBuffer> buffers) {
        return buffers.stream().map(b -> b.array).toArray();
    }

    private static int roundUp(int value, int multiple) {
        return (value + multiple - 1) / multiple * multiple;
    }

    private static int function(dev.gale.compute.Pointwise function) {
        return switch (function) {
            case IDENTITY -> Kernels.IDENTITY;
            case SIGMOID -> Kernels.SIGMOID;
            case TANH -> Kernels.TANH;
            case RELU -> Kernels.RELU;
            case LEAKY_RELU -> Kernels.LEAKY_RELU;
        };
    }

    private static int loss(dev.gale.compute.LossFunction function) {
        return switch (function) {
            case LOGISTIC -> Kernels.LOGISTIC;
            case SOFTMAX_CROSS_ENTROPY -> Kernels.SOFTMAX_CROSS_ENTROPY;
            case MEAN_SQUARED_ERROR -> Kernels.MEAN_SQUARED_ERROR;
        };
    }
}
