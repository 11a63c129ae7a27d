package dev.gale.train;

import dev.gale.compute.Buffer;
import dev.gale.compute.Collective;
import dev.gale.compute.DropoutMask;
import dev.gale.compute.LossFunction;
import dev.gale.compute.Op;
import dev.gale.compute.Pointwise;
import dev.gale.compute.StepPlan;
import dev.gale.compute.StepScalars;
import dev.gale.nn.Activation;
import dev.gale.nn.Layer;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a network into step plans: the one place where the layer, loss and optimizer math becomes
 * kernel calls, shared by every backend.
 *
 * <pre>
 * forward:  Z = A_prev W^T + b, A = g(Z)            (maxout: A = max over pieces of Z)
 * loss:     J = data term + lambda/(2m) sum W^2      (biases excluded)
 * backward: dZ_L = H - Y (times g'(Z_L) for MSE on a non-identity output)
 *           dW = dZ^T A_prev / m, db = column sums of dZ / m
 *           dA_prev = dZ W, dZ_prev = dA_prev * g'(Z_prev)
 * exchange: with many workers, each holding rows of the global batch of m rows, the gradients
 *           (already divided by m) and the cost are summed over the workers
 *           then dW += lambda/m W over every layer's weights at once
 * update:   one optimizer kernel over the whole parameter arena
 * </pre>
 */
final class StepPlanner {

    private StepPlanner() {
    }

    /**
     * Rows {@code [first, first + rows)} of a global batch of {@code batch} rows: a worker's part of a
     * data-parallel step, or the whole batch on one machine. A worker may have no rows when the
     * batch has fewer rows than there are workers (an epoch's tail).
     */
    record BatchShare(int first, int rows, int batch) {
        static BatchShare whole(int rows) {
            return new BatchShare(0, rows, rows);
        }

        /** Worker {@code rank}'s contiguous part, the parts as even as the rows allow. */
        static BatchShare of(int batch, Collective collective) {
            int first = (int) ((long) batch * collective.rank() / collective.workers());
            int end = (int) ((long) batch * (collective.rank() + 1) / collective.workers());
            return new BatchShare(first, end - first, batch);
        }
    }

    /**
     * Forward, loss, backward, exchange and update: one worker's part of a mini-batch step. A share
     * without rows only adds the zero gradient and cost that the caller writes to the arena and the
     * loss before each run.
     */
    static StepPlan trainingStep(ResidentNetwork r, BatchShare share, Optimizer optimizer, Collective collective) {
        List<Op> ops = share.rows() == 0 ? new ArrayList<>() : backpropagation(r, share);
        if (collective.workers() > 1) {
            ops.add(new Op.AllReduce(r.gradientArena, r.loss, r.gradientArena.length(),
                    (float) share.rows() / share.batch(), collective));
        }
        addL2Gradient(r, share.batch(), ops);
        ops.add(update(r, optimizer));
        List<Buffer> inputs = share.rows() == 0 ? List.of(r.gradientArena, r.loss, r.scalars)
                : List.of(r.input, r.target, r.scalars);
        return new StepPlan("train[" + share.rows() + " of " + share.batch() + "]", ops, inputs, List.of(r.loss));
    }

    /** Forward, loss and backward: the cost and its gradient, for gradient checks and conjugate gradient. */
    static StepPlan gradient(ResidentNetwork r, int rows) {
        List<Op> ops = backpropagation(r, BatchShare.whole(rows));
        addL2Gradient(r, rows, ops);
        return new StepPlan("gradient[" + rows + "]", ops, List.of(), List.of(r.loss));
    }

    /** Forward and the data term of the loss (no penalty): for evaluation in chunks. */
    static StepPlan dataLoss(ResidentNetwork r, int rows) {
        List<Op> ops = forward(r, rows, false);
        ops.add(lossOp(r, rows, false));
        return new StepPlan("loss[" + rows + "]", ops, List.of(r.input, r.target), List.of(r.loss, r.output()));
    }

    /**
     * Forward, data term and penalty with coefficient lambda/rows: the whole cost of one batch, the
     * function a training step differentiates (dropout included, at the step in the scalars).
     */
    static StepPlan cost(ResidentNetwork r, int rows) {
        List<Op> ops = forward(r, rows, true);
        ops.add(lossOp(r, rows, false));
        addPenalty(r, rows, ops);
        return new StepPlan("cost[" + rows + "]", ops, List.of(), List.of(r.loss));
    }

    /** Adds lambda/(2 examples) sum W^2 to the loss buffer, which the caller zeroes first. */
    static StepPlan penalty(ResidentNetwork r, int examples) {
        List<Op> ops = new ArrayList<>();
        addPenalty(r, examples, ops);
        return new StepPlan("penalty", ops, List.of(r.loss), List.of(r.loss));
    }

    private static void addPenalty(ResidentNetwork r, int examples, List<Op> ops) {
        if (r.network.l2() > 0) {
            ops.add(new Op.L2Penalty(allWeights(r), null, r.loss, r.weightCount, (float) (r.network.l2() / examples)));
        }
    }

    /** Every layer's weights: the head of the parameter arena. */
    private static Buffer allWeights(ResidentNetwork r) {
        return r.parameterArena.slice(0, r.weightCount);
    }

    /** The forward pass alone: outputs in {@code r.output()}. */
    static StepPlan prediction(ResidentNetwork r, int rows) {
        return new StepPlan("predict[" + rows + "]", forward(r, rows, false), List.of(r.input), List.of(r.output()));
    }

    /** The number of state tensors the optimizer keeps per parameter tensor. */
    static int stateBuffers(Optimizer optimizer) {
        return switch (optimizer) {
            case Optimizer.Sgd s -> 0;
            case Optimizer.Momentum m -> 1;
            case Optimizer.Adam a -> 2;
            case Optimizer.ConjugateGradient c -> 0;
        };
    }

    /** Fills the step-scalar block for step {@code t} (1-based) at learning rate {@code lr}. */
    static void stepScalars(Optimizer optimizer, long t, double lr, float[] scalars) {
        scalars[StepScalars.LEARNING_RATE] = (float) lr;
        StepScalars.step(t, scalars);
        if (optimizer instanceof Optimizer.Adam adam) {
            scalars[StepScalars.FIRST_MOMENT_CORRECTION] = (float) (1 / (1 - Math.pow(adam.beta1(), t)));
            scalars[StepScalars.SECOND_MOMENT_CORRECTION] = (float) (1 / (1 - Math.pow(adam.beta2(), t)));
        }
    }

    /** The share's data term and its gradient, divided by the global batch's rows. */
    private static List<Op> backpropagation(ResidentNetwork r, BatchShare share) {
        List<Op> ops = forward(r, share, true);
        ops.add(lossOp(r, share.rows(), true));
        backward(r, share, ops);
        return ops;
    }

    private static List<Op> forward(ResidentNetwork r, int rows, boolean training) {
        return forward(r, BatchShare.whole(rows), training);
    }

    /** With {@code training}, each layer that has dropout passes its masked activations on. */
    private static List<Op> forward(ResidentNetwork r, BatchShare share, boolean training) {
        int rows = share.rows();
        checkRows(r, rows);
        List<Op> ops = new ArrayList<>();
        Network network = r.network;
        for (int l = 0; l < network.layers().size(); l++) {
            Layer layer = network.layers().get(l);
            int linear = layer.linearUnits();
            ops.add(new Op.Gemm(r.layerInput(l, training), false, r.weights[l], true, r.z[l],
                    rows, linear, r.inputsOf(l), 1f, 0f));
            switch (layer) {
                case Layer.Maxout m -> {
                    ops.add(new Op.BiasActivation(r.z[l], r.biases[l], r.z[l], rows, linear, Pointwise.IDENTITY, 0f));
                    ops.add(new Op.MaxoutForward(r.z[l], r.a[l], rows, m.units(), m.pieces()));
                }
                case Layer.Dense d when d.activation().function() == Activation.Function.SOFTMAX -> {
                    ops.add(new Op.BiasActivation(r.z[l], r.biases[l], r.z[l], rows, linear, Pointwise.IDENTITY, 0f));
                    ops.add(new Op.RowSoftmax(r.z[l], r.a[l], rows, linear));
                }
                case Layer.Dense d -> ops.add(new Op.BiasActivation(r.z[l], r.biases[l], r.a[l], rows, linear,
                        pointwise(d.activation()), (float) d.activation().slope()));
            }
            if (training && r.dropped[l] != null) {
                ops.add(dropout(r, l, r.a[l], r.dropped[l], share));
            }
        }
        return ops;
    }

    private static Op lossOp(ResidentNetwork r, int rows, boolean delta) {
        int last = r.network.layers().size() - 1;
        return new Op.LossGradient(lossFunction(r.network.loss()), r.a[last], r.z[last], r.target,
                delta ? r.deltaZ[last] : null, r.loss, rows, r.network.outputs());
    }

    private static void backward(ResidentNetwork r, BatchShare share, List<Op> ops) {
        int rows = share.rows();
        Network network = r.network;
        int last = network.layers().size() - 1;
        Activation output = network.outputLayer().activation();
        if (network.loss() == Loss.MEAN_SQUARED_ERROR && output.function() != Activation.Function.IDENTITY) {
            ops.add(new Op.ActivationGradient(r.deltaZ[last], r.z[last], r.a[last], rows * network.outputs(),
                    pointwise(output), (float) output.slope()));
        }
        float perExample = 1f / share.batch();
        for (int l = last; l >= 0; l--) {
            int linear = network.layers().get(l).linearUnits();
            int fanIn = r.inputsOf(l);
            ops.add(new Op.Gemm(r.deltaZ[l], true, r.layerInput(l, true), false, r.weightGradients[l],
                    linear, fanIn, rows, perExample, 0f));
            ops.add(new Op.ColumnSums(r.deltaZ[l], r.biasGradients[l], rows, linear, perExample));
            if (l > 0) {
                propagate(r, share, l, ops);
            }
        }
    }

    /** lambda/(2m) sum W^2 into the cost and lambda/m W into the gradient, m the global batch's rows. */
    private static void addL2Gradient(ResidentNetwork r, int batch, List<Op> ops) {
        if (r.network.l2() > 0) {
            ops.add(new Op.L2Penalty(allWeights(r), r.gradientArena.slice(0, r.weightCount), r.loss, r.weightCount,
                    (float) (r.network.l2() / batch)));
        }
    }

    /** dZ_{l-1} from dZ_l: through layer l's weights, then layer l-1's nonlinearity. */
    private static void propagate(ResidentNetwork r, BatchShare share, int l, List<Op> ops) {
        int rows = share.rows();
        int below = l - 1;
        Layer previous = r.network.layers().get(below);
        int linear = r.network.layers().get(l).linearUnits();
        switch (previous) {
            case Layer.Maxout m -> {
                ops.add(new Op.Gemm(r.deltaZ[l], false, r.weights[l], false, r.deltaA[below],
                        rows, m.units(), linear, 1f, 0f));
                if (r.dropped[below] != null) {
                    ops.add(dropout(r, below, r.deltaA[below], r.deltaA[below], share));
                }
                ops.add(new Op.MaxoutBackward(r.deltaA[below], r.z[below], r.deltaZ[below], rows, m.units(), m.pieces()));
            }
            case Layer.Dense d -> {
                ops.add(new Op.Gemm(r.deltaZ[l], false, r.weights[l], false, r.deltaZ[below],
                        rows, d.units(), linear, 1f, 0f));
                if (r.dropped[below] != null) {
                    ops.add(dropout(r, below, r.deltaZ[below], r.deltaZ[below], share));
                }
                ops.add(new Op.ActivationGradient(r.deltaZ[below], r.z[below], r.a[below], rows * d.units(),
                        pointwise(d.activation()), (float) d.activation().slope()));
            }
        }
    }

    /**
     * Layer l's dropout on rows of its outputs: the same mask forward (on the activations) and
     * backward (on their deltas), since both draw from the layer's seed at the step's count. A
     * share's elements are numbered from its first row in the global batch: the draw mixes in
     * element * MIX1, and (first + i) * MIX1 = first * MIX1 + i * MIX1 modulo 2^64, so moving
     * first * MIX1 into the seed gives each worker the masks one machine draws for those rows.
     */
    private static Op dropout(ResidentNetwork r, int l, Buffer in, Buffer out, BatchShare share) {
        int units = r.network.layers().get(l).units();
        long firstElement = (long) share.first() * units;
        return new Op.Dropout(in, out, share.rows() * units, r.network.dropout(l),
                r.dropoutSeed + (l + 1) * DropoutMask.GOLDEN + firstElement * DropoutMask.MIX1, r.scalars);
    }

    private static Op update(ResidentNetwork r, Optimizer optimizer) {
        int count = r.parameterArena.length();
        return switch (optimizer) {
            case Optimizer.Sgd s -> new Op.SgdUpdate(r.parameterArena, r.gradientArena, count, r.scalars);
            case Optimizer.Momentum m -> new Op.MomentumUpdate(r.parameterArena, r.gradientArena, r.stateArenas[0],
                    count, (float) m.momentum(), m.nesterov(), r.scalars);
            case Optimizer.Adam a -> new Op.AdamUpdate(r.parameterArena, r.gradientArena, r.stateArenas[0],
                    r.stateArenas[1], count, r.weightCount, (float) a.beta1(), (float) a.beta2(), (float) a.epsilon(),
                    (float) a.weightDecay(), r.scalars);
            case Optimizer.ConjugateGradient c -> throw new IllegalArgumentException(
                    "conjugate gradient moves parameters from the host; it has no update kernel");
        };
    }

    private static Pointwise pointwise(Activation activation) {
        return switch (activation.function()) {
            case IDENTITY -> Pointwise.IDENTITY;
            case SIGMOID -> Pointwise.SIGMOID;
            case TANH -> Pointwise.TANH;
            case RELU -> Pointwise.RELU;
            case LEAKY_RELU -> Pointwise.LEAKY_RELU;
            case SOFTMAX -> throw new IllegalArgumentException("softmax is a row operation, not a pointwise one");
        };
    }

    private static LossFunction lossFunction(Loss loss) {
        return switch (loss) {
            case LOGISTIC -> LossFunction.LOGISTIC;
            case SOFTMAX_CROSS_ENTROPY -> LossFunction.SOFTMAX_CROSS_ENTROPY;
            case MEAN_SQUARED_ERROR -> LossFunction.MEAN_SQUARED_ERROR;
        };
    }

    private static void checkRows(ResidentNetwork r, int rows) {
        if (rows <= 0 || rows > r.maxRows) {
            throw new IllegalArgumentException("a plan for " + rows + " rows does not fit buffers of "
                    + r.maxRows + " rows");
        }
    }
}
