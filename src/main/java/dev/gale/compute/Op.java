package dev.gale.compute;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The kernels every backend implements. Matrices are row-major; {@code rows x cols} means element
 * (r, c) lives at {@code r * cols + c}. Each record checks its shapes against its buffers, so a plan
 * that compiles on one backend is well-formed on all of them.
 *
 * <p>Output buffers are written, never read, unless the op says so (accumulating ops, in-place
 * updates): an op must fully overwrite what it produces even if the buffer holds NaN.
 */
public sealed interface Op {

    /**
     * Every buffer this op reads or writes, in declaration order, absent optional ones left out: what
     * a backend checks for ownership and what a device backend must have resident.
     */
    default List<Buffer> buffers() {
        List<Buffer> buffers = new ArrayList<>();
        for (RecordComponent component : getClass().getRecordComponents()) {
            if (component.getType() == Buffer.class) {
                try {
                    Object buffer = component.getAccessor().invoke(this);
                    if (buffer != null) {
                        buffers.add((Buffer) buffer);
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + component + " of " + this, e);
                }
            }
        }
        return buffers;
    }

    /** The buffers this op writes (a subset of {@link #buffers()}). */
    List<Buffer> writes();

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}, with op(A) of shape m x k and op(B) of shape k x n.
     * A is stored as m x k, or as k x m when {@code transposeA}; B as k x n, or n x k when
     * {@code transposeB}. When {@code beta == 0}, C is not read.
     */
    record Gemm(Buffer a, boolean transposeA, Buffer b, boolean transposeB, Buffer c,
                int m, int n, int k, float alpha, float beta) implements Op {
        public Gemm {
            positive(m, "m");
            positive(n, "n");
            positive(k, "k");
            fits(a, (long) m * k, "A");
            fits(b, (long) k * n, "B");
            fits(c, (long) m * n, "C");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(c);
        }
    }

    /**
     * Adds {@code bias[c]} to every row of z in place, then writes {@code out = g(z)}; out may be z.
     * {@code slope} is used by {@link Pointwise#LEAKY_RELU} only.
     */
    record BiasActivation(Buffer z, Buffer bias, Buffer out, int rows, int cols,
                          Pointwise function, float slope) implements Op {
        public BiasActivation {
            positive(rows, "rows");
            positive(cols, "cols");
            fits(z, (long) rows * cols, "z");
            fits(bias, cols, "bias");
            fits(out, (long) rows * cols, "out");
            Objects.requireNonNull(function, "function");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(z, out);
        }
    }

    /** {@code out[r] = softmax(z[r])}, computed with the row maximum subtracted. */
    record RowSoftmax(Buffer z, Buffer out, int rows, int cols) implements Op {
        public RowSoftmax {
            positive(rows, "rows");
            positive(cols, "cols");
            fits(z, (long) rows * cols, "z");
            fits(out, (long) rows * cols, "out");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(out);
        }
    }

    /** {@code delta[i] *= g'(z[i])} over {@code count} elements, using z and a = g(z). */
    record ActivationGradient(Buffer delta, Buffer z, Buffer a, int count,
                              Pointwise function, float slope) implements Op {
        public ActivationGradient {
            positive(count, "count");
            fits(delta, count, "delta");
            fits(z, count, "z");
            fits(a, count, "a");
            Objects.requireNonNull(function, "function");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(delta);
        }
    }

    /**
     * Maxout: {@code out[r, u] = max_p z[r, u * pieces + p]}, z being rows x (units * pieces) and out
     * rows x units.
     */
    record MaxoutForward(Buffer z, Buffer out, int rows, int units, int pieces) implements Op {
        public MaxoutForward {
            positive(rows, "rows");
            positive(units, "units");
            positive(pieces, "pieces");
            fits(z, (long) rows * units * pieces, "z");
            fits(out, (long) rows * units, "out");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(out);
        }
    }

    /**
     * Routes each unit's delta to the piece that won the forward max (the first one on ties) and
     * writes zero to the other pieces: {@code deltaZ} is rows x (units * pieces).
     */
    record MaxoutBackward(Buffer deltaOut, Buffer z, Buffer deltaZ, int rows, int units, int pieces)
            implements Op {
        public MaxoutBackward {
            positive(rows, "rows");
            positive(units, "units");
            positive(pieces, "pieces");
            fits(deltaOut, (long) rows * units, "deltaOut");
            fits(z, (long) rows * units * pieces, "z");
            fits(deltaZ, (long) rows * units * pieces, "deltaZ");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(deltaZ);
        }
    }

    /**
     * Writes {@code loss[0] = (1/rows) * sum over rows of the data term} (see {@link LossFunction})
     * and, when {@code delta} is not null, {@code delta = output - target}. {@code logits} are the
     * pre-activations of {@code output}; all are rows x cols.
     */
    record LossGradient(LossFunction function, Buffer output, Buffer logits, Buffer target,
                        Buffer delta, Buffer loss, int rows, int cols) implements Op {
        public LossGradient {
            Objects.requireNonNull(function, "function");
            positive(rows, "rows");
            positive(cols, "cols");
            fits(output, (long) rows * cols, "output");
            fits(logits, (long) rows * cols, "logits");
            fits(target, (long) rows * cols, "target");
            if (delta != null) {
                fits(delta, (long) rows * cols, "delta");
            }
            fits(loss, 1, "loss");
        }

        @Override
        public List<Buffer> writes() {
            return delta == null ? List.of(loss) : List.of(delta, loss);
        }
    }

    /**
     * L2 penalty over {@code count} weights: {@code loss[0] += coefficient / 2 * sum w^2} and, when
     * {@code gradient} is not null, {@code gradient += coefficient * w}. Callers pass weight
     * buffers only, which is how bias weights stay unregularized.
     */
    record L2Penalty(Buffer weights, Buffer gradient, Buffer loss, int count, float coefficient)
            implements Op {
        public L2Penalty {
            positive(count, "count");
            fits(weights, count, "weights");
            if (gradient != null) {
                fits(gradient, count, "gradient");
            }
            fits(loss, 1, "loss");
        }

        @Override
        public List<Buffer> writes() {
            return gradient == null ? List.of(loss) : List.of(gradient, loss);
        }
    }

    /** {@code target[c] = alpha * sum_r source[r, c]}: bias gradients. */
    record ColumnSums(Buffer source, Buffer target, int rows, int cols, float alpha) implements Op {
        public ColumnSums {
            positive(rows, "rows");
            positive(cols, "cols");
            fits(source, (long) rows * cols, "source");
            fits(target, cols, "target");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(target);
        }
    }

    /**
     * Inverted dropout over {@code count} elements: {@code out[i] = in[i] * s} where
     * {@link DropoutMask#kept} keeps element i at the step read from {@code scalars}, else 0, with
     * s = {@link DropoutMask#scale}(rate) in float32. out may be in. Run on the activations forward
     * and on their deltas backward, with the same seed and step, it applies one mask to both.
     */
    record Dropout(Buffer in, Buffer out, int count, float rate, long seed, Buffer scalars) implements Op {
        public Dropout {
            positive(count, "count");
            fits(in, count, "in");
            fits(out, count, "out");
            fits(scalars, StepScalars.LENGTH, "scalars");
            if (!(rate >= 0 && rate < 1)) {
                throw new IllegalArgumentException("a dropout rate is in [0, 1), got " + rate);
            }
        }

        @Override
        public List<Buffer> writes() {
            return List.of(out);
        }
    }

    /**
     * Data-parallel training's one exchange, between the backward pass and the update: {@code
     * gradient[0, count)} becomes its sum over the workers of {@code collective}, and {@code loss[0]}
     * becomes the sum over the workers of {@code lossShare * loss[0]}, lossShare being the worker's
     * fraction of the global batch, so that the cost is the global batch's mean. Each worker scales
     * its gradient by 1/(global batch rows) beforehand, so the sum is the global batch's gradient.
     */
    record AllReduce(Buffer gradient, Buffer loss, int count, float lossShare, Collective collective) implements Op {
        public AllReduce {
            positive(count, "count");
            fits(gradient, count, "gradient");
            fits(loss, 1, "loss");
            Objects.requireNonNull(collective, "collective");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(gradient, loss);
        }
    }

    /** {@code w -= lr * g}, lr read from {@code scalars} (see {@link StepScalars}). */
    record SgdUpdate(Buffer weights, Buffer gradient, int count, Buffer scalars) implements Op {
        public SgdUpdate {
            positive(count, "count");
            fits(weights, count, "weights");
            fits(gradient, count, "gradient");
            fits(scalars, StepScalars.LENGTH, "scalars");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(weights);
        }
    }

    /**
     * Classical momentum {@code v = mu v - lr g; w += v}, or with {@code nesterov}
     * {@code v = mu v - lr g; w += mu v - lr g}.
     */
    record MomentumUpdate(Buffer weights, Buffer gradient, Buffer velocity, int count,
                          float momentum, boolean nesterov, Buffer scalars) implements Op {
        public MomentumUpdate {
            positive(count, "count");
            fits(weights, count, "weights");
            fits(gradient, count, "gradient");
            fits(velocity, count, "velocity");
            fits(scalars, StepScalars.LENGTH, "scalars");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(weights, velocity);
        }
    }

    /**
     * Adam with decoupled weight decay (AdamW when {@code weightDecay > 0}):
     * {@code m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
     * w -= lr * (m c1 / (sqrt(v c2) + eps) + weightDecay * w)}, with lr, c1 = 1/(1 - b1^t) and
     * c2 = 1/(1 - b2^t) read from {@code scalars}. Only elements {@code [0, decayed)} decay (a
     * parameter arena puts its weights first, its biases after); the others update as with
     * {@code weightDecay == 0}.
     */
    record AdamUpdate(Buffer weights, Buffer gradient, Buffer firstMoment, Buffer secondMoment,
                      int count, int decayed, float beta1, float beta2, float epsilon, float weightDecay,
                      Buffer scalars) implements Op {
        public AdamUpdate {
            positive(count, "count");
            if (decayed < 0 || decayed > count) {
                throw new IllegalArgumentException("decayed must be in [0, count], got " + decayed + " of " + count);
            }
            fits(weights, count, "weights");
            fits(gradient, count, "gradient");
            fits(firstMoment, count, "firstMoment");
            fits(secondMoment, count, "secondMoment");
            fits(scalars, StepScalars.LENGTH, "scalars");
        }

        @Override
        public List<Buffer> writes() {
            return List.of(weights, firstMoment, secondMoment);
        }
    }

    private static void positive(int value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void fits(Buffer buffer, long needed, String name) {
        Objects.requireNonNull(buffer, name);
        if (buffer.length() < needed) {
            throw new IllegalArgumentException(
                    name + " holds " + buffer.length() + " floats, the op needs " + needed);
        }
    }
}
