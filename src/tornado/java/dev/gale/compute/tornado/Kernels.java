package dev.gale.compute.tornado;

import dev.gale.compute.DropoutMask;
import dev.gale.compute.StepScalars;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.DoubleArray;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Gale's device kernels: static methods that TornadoVM compiles to OpenCL C or PTX. Each follows the
 * definition of its {@link dev.gale.compute.Op} (and of the float64 reference) in float32, with the CPU
 * backend's numerics where they matter: sums and the exponentials of softmax and the losses are taken
 * in double and rounded once, so that every backend meets the same bounds. Enums and booleans arrive
 * as int codes because kernels take primitives and arrays only. Each array comes with the index of
 * the op's element 0 in it ({@code aOff} for {@code a}): an op's buffer may be a slice of a larger one.
 */
final class Kernels {

    static final int IDENTITY = 0;
    static final int SIGMOID = 1;
    static final int TANH = 2;
    static final int RELU = 3;
    static final int LEAKY_RELU = 4;

    static final int LOGISTIC = 0;
    static final int SOFTMAX_CROSS_ENTROPY = 1;
    static final int MEAN_SQUARED_ERROR = 2;

    private Kernels() {
    }

    /** Bits of a GEMM kernel's {@code transposes}: A is stored k x m, B is stored n x k. */
    static final int TRANSPOSE_A = 1;
    static final int TRANSPOSE_B = 2;

    /**
     * What a GEMM kernel does with each value v = alpha op(A) op(B) + beta C it computes: an epilogue
     * is one of these kinds plus, for the activation kinds, the activation function's code
     * ({@link #IDENTITY} to {@link #LEAKY_RELU}, all below {@link #FUNCTIONS}). Fusing the element-wise
     * op that follows a GEMM on its C saves a launch and a pass over C; the arithmetic is the separate
     * op's, so the results are the same. The operands {@code first} and {@code second} (each with its offset) are
     * per kind:
     * <ul>
     *   <li>{@link #STORE}: C = v; neither is used.</li>
     *   <li>{@link #BIAS_ACTIVATION}: C = g(v + bias[column]), the bias at {@code secondOff} in B's
     *       array (weights and biases share the parameter arena, and TornadoVM takes an array once
     *       per task).</li>
     *   <li>{@link #BIAS_ACTIVATION_INTO}: C = v + bias[column] and {@code first} = g(C), the bias as
     *       above.</li>
     *   <li>{@link #ACTIVATION_GRADIENT}: C = v g'(z, a), z in {@code first} and a in {@code second}.</li>
     *   <li>{@link #ROW_SUMS}: C = v, and alpha times the sums of op(A)'s rows go to C's array from
     *       {@code firstOff} on (the bias gradients, which share the gradient arena with C): in
     *       double, rounded once, as {@link #columnSums} does.</li>
     * </ul>
     */
    static final int STORE = 0;
    static final int BIAS_ACTIVATION = 8;
    static final int BIAS_ACTIVATION_INTO = 16;
    static final int ACTIVATION_GRADIENT = 24;
    static final int ROW_SUMS = 32;
    static final int FUNCTIONS = 8;

    /**
     * C = alpha op(A) op(B) + beta C through an epilogue (see {@link #STORE}), one work-item per
     * element of C; the work-items of column 0 also take the row sums of {@link #ROW_SUMS}.
     */
    static void gemm(FloatArray a, int aOff, FloatArray b, int bOff, FloatArray c, int cOff, int m, int n, int k,
                     int transposes, float alpha, float beta, int epilogue, FloatArray first, int firstOff,
                     FloatArray second, int secondOff, float slope) {
        int aRow = rowStride(transposes, TRANSPOSE_A, k);
        int aCol = columnStride(transposes, TRANSPOSE_A, m);
        int bRow = rowStride(transposes, TRANSPOSE_B, n);
        int bCol = columnStride(transposes, TRANSPOSE_B, k);
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0;
                for (int p = 0; p < k; p++) {
                    sum += a.get(aOff + i * aRow + p * aCol) * b.get(bOff + p * bRow + j * bCol);
                }
                store(b, c, cOff, i * n + j, j, product(alpha * sum, beta, c, cOff + i * n + j), epilogue, first,
                        firstOff, second, secondOff, slope);
                if (epilogue == ROW_SUMS && j == 0) {
                    c.set(firstOff + i, (float) (alpha * rowSum(a, aOff + i * aRow, aCol, k)));
                }
            }
        }
    }

    /** Elements of C each work-item of {@link #gemmTiled} computes along each dimension. */
    static final int WORK_PER_ITEM = 4;

    /**
     * The same product and epilogues, tiled for local memory and registers. A work-group computes a
     * tile x tile block of C with (tile / 4) x (tile / 4) work-items, each of which keeps a 4 x 4 block
     * of C in private registers: per step of k, the group stages a tile x (tile / 4) slice of op(A) and
     * a (tile / 4) x tile slice of op(B) in local memory, and every value a work-item reads from there
     * feeds four multiply-adds. A work-item's rows and columns are strided by tile / 4, so that
     * neighbouring work-items touch neighbouring addresses in global and local memory. Out-of-range
     * elements load as zeros and are never stored. The work-items of the first column of groups and
     * of work-items take the row sums of {@link #ROW_SUMS} for their rows. TornadoVM specialises the
     * kernel on {@code tile}, which sizes the local arrays. One kernel serves every epilogue: the
     * epilogue's branches run once per element of C, outside the loop over k.
     */
    static void gemmTiled(KernelContext context, FloatArray a, int aOff, FloatArray b, int bOff, FloatArray c,
                          int cOff, int m, int n, int k, int transposes, float alpha, float beta, int tile,
                          int epilogue, FloatArray first, int firstOff, FloatArray second, int secondOff,
                          float slope) {
        int aRow = rowStride(transposes, TRANSPOSE_A, k);
        int aCol = columnStride(transposes, TRANSPOSE_A, m);
        int bRow = rowStride(transposes, TRANSPOSE_B, n);
        int bCol = columnStride(transposes, TRANSPOSE_B, k);
        int edge = tile / WORK_PER_ITEM;
        int localColumn = context.localIdx;
        int localRow = context.localIdy;
        int firstRow = context.groupIdy * tile;
        int firstColumn = context.groupIdx * tile;
        float[] aSlice = context.allocateFloatLocalArray(tile * edge);
        float[] bSlice = context.allocateFloatLocalArray(edge * tile);
        float[] sums = new float[WORK_PER_ITEM * WORK_PER_ITEM];
        // TornadoVM declares private arrays without Java's zero initialisation.
        for (int i = 0; i < WORK_PER_ITEM * WORK_PER_ITEM; i++) {
            sums[i] = 0;
        }
        for (int start = 0; start < k; start += edge) {
            for (int w = 0; w < WORK_PER_ITEM; w++) {
                int row = firstRow + localRow + w * edge;
                int p = start + localColumn;
                aSlice[(localRow + w * edge) * edge + localColumn] = row < m && p < k ? a.get(aOff + row * aRow + p * aCol) : 0;
                int q = start + localRow;
                int column = firstColumn + localColumn + w * edge;
                bSlice[localRow * tile + localColumn + w * edge] = q < k && column < n ? b.get(bOff + q * bRow + column * bCol) : 0;
            }
            context.localBarrier();
            for (int p = 0; p < edge; p++) {
                for (int i = 0; i < WORK_PER_ITEM; i++) {
                    float aValue = aSlice[(localRow + i * edge) * edge + p];
                    for (int j = 0; j < WORK_PER_ITEM; j++) {
                        sums[i * WORK_PER_ITEM + j] += aValue * bSlice[p * tile + localColumn + j * edge];
                    }
                }
            }
            context.localBarrier();
        }
        for (int i = 0; i < WORK_PER_ITEM; i++) {
            int row = firstRow + localRow + i * edge;
            for (int j = 0; j < WORK_PER_ITEM; j++) {
                int column = firstColumn + localColumn + j * edge;
                if (row < m && column < n) {
                    store(b, c, cOff, row * n + column, column, product(alpha * sums[i * WORK_PER_ITEM + j], beta,
                            c, cOff + row * n + column), epilogue, first, firstOff, second, secondOff, slope);
                }
            }
            if (epilogue == ROW_SUMS && firstColumn + localColumn == 0 && row < m) {
                c.set(firstOff + row, (float) (alpha * rowSum(a, aOff + row * aRow, aCol, k)));
            }
        }
    }

    /** A stride of op(X) along its rows: 1 when X is stored transposed, else the row length. */
    private static int rowStride(int transposes, int transposed, int rowLength) {
        return (transposes & transposed) != 0 ? 1 : rowLength;
    }

    /** A stride of op(X) along its columns: the stored row length when X is stored transposed, else 1. */
    private static int columnStride(int transposes, int transposed, int storedRowLength) {
        return (transposes & transposed) != 0 ? storedRowLength : 1;
    }

    /** alpha op(A) op(B) + beta C at {@code at}: C is read only when beta is not 0. */
    private static float product(float scaled, float beta, FloatArray c, int at) {
        float result = scaled;
        if (beta != 0) {
            result += beta * c.get(at);
        }
        return result;
    }

    /** Stores element {@code element} (in column {@code column}) of C as {@code epilogue} says. */
    private static void store(FloatArray b, FloatArray c, int cOff, int element, int column, float value,
                              int epilogue, FloatArray first, int firstOff, FloatArray second, int secondOff,
                              float slope) {
        int function = epilogue % FUNCTIONS;
        int kind = epilogue - function;
        if (kind == BIAS_ACTIVATION) {
            c.set(cOff + element, activate(function, slope, value + b.get(secondOff + column)));
        } else if (kind == BIAS_ACTIVATION_INTO) {
            float z = value + b.get(secondOff + column);
            c.set(cOff + element, z);
            first.set(firstOff + element, activate(function, slope, z));
        } else if (kind == ACTIVATION_GRADIENT) {
            c.set(cOff + element, value * derivative(function, slope, first.get(firstOff + element),
                    second.get(secondOff + element)));
        } else {
            c.set(cOff + element, value);
        }
    }

    /** The sum, in double, of {@code count} elements of {@code x} from {@code at} on, {@code stride} apart. */
    private static double rowSum(FloatArray x, int at, int stride, int count) {
        double sum = 0;
        for (int p = 0; p < count; p++) {
            sum += x.get(at + p * stride);
        }
        return sum;
    }

    static void biasActivation(FloatArray z, int zOff, FloatArray bias, int biasOff, FloatArray out, int outOff,
                               int rows, int cols, int function, float slope) {
        for (@Parallel int i = 0; i < rows * cols; i++) {
            float value = z.get(zOff + i) + bias.get(biasOff + i % cols);
            z.set(zOff + i, value);
            out.set(outOff + i, activate(function, slope, value));
        }
    }

    /** {@link #biasActivation} with out = z: TornadoVM's scheduler never finishes a task given one array twice. */
    static void biasActivationInPlace(FloatArray z, int zOff, FloatArray bias, int biasOff, int rows, int cols,
                                      int function, float slope) {
        for (@Parallel int i = 0; i < rows * cols; i++) {
            z.set(zOff + i, activate(function, slope, z.get(zOff + i) + bias.get(biasOff + i % cols)));
        }
    }

    static void rowSoftmax(FloatArray z, int zOff, FloatArray out, int outOff, int rows, int cols) {
        for (@Parallel int r = 0; r < rows; r++) {
            softmaxRow(z, zOff + r * cols, out, outOff + r * cols, cols);
        }
    }

    private static void softmaxRow(FloatArray z, int zRow, FloatArray out, int outRow, int cols) {
        float max = z.get(zRow);
        for (int c = 1; c < cols; c++) {
            max = TornadoMath.max(max, z.get(zRow + c));
        }
        double sum = 0;
        for (int c = 0; c < cols; c++) {
            // The difference is exact in double, so exp sees the true argument.
            float e = (float) TornadoMath.exp((double) z.get(zRow + c) - max);
            out.set(outRow + c, e);
            sum += e;
        }
        for (int c = 0; c < cols; c++) {
            out.set(outRow + c, (float) (out.get(outRow + c) / sum));
        }
    }

    static void activationGradient(FloatArray delta, int deltaOff, FloatArray z, int zOff, FloatArray a, int aOff,
                                   int count, int function, float slope) {
        for (@Parallel int i = 0; i < count; i++) {
            delta.set(deltaOff + i, delta.get(deltaOff + i) * derivative(function, slope, z.get(zOff + i),
                    a.get(aOff + i)));
        }
    }

    static void maxoutForward(FloatArray z, int zOff, FloatArray out, int outOff, int units, int pieces) {
        for (@Parallel int unit = 0; unit < units; unit++) {
            int base = zOff + unit * pieces;
            float best = z.get(base);
            for (int p = 1; p < pieces; p++) {
                best = TornadoMath.max(best, z.get(base + p));
            }
            out.set(outOff + unit, best);
        }
    }

    /** The first piece that attains the maximum gets the delta, as in the reference. */
    static void maxoutBackward(FloatArray deltaOut, int deltaOutOff, FloatArray z, int zOff, FloatArray deltaZ,
                               int deltaZOff, int units, int pieces) {
        for (@Parallel int unit = 0; unit < units; unit++) {
            int base = zOff + unit * pieces;
            int winner = 0;
            for (int p = 1; p < pieces; p++) {
                if (z.get(base + p) > z.get(base + winner)) {
                    winner = p;
                }
            }
            for (int p = 0; p < pieces; p++) {
                deltaZ.set(deltaZOff + unit * pieces + p, p == winner ? deltaOut.get(deltaOutOff + unit) : 0);
            }
        }
    }

    /**
     * Per-row data term, in double, into {@code rowLoss}; with {@code writeDelta == 1} also
     * delta = h - y. The logistic term is softplus(z) - y z with softplus(z) = max(z, 0) + log1p(e^-|z|),
     * which never overflows. With {@code softmaxFirst == 1} each row first computes h = softmax(z), as
     * {@link #rowSoftmax} does: the softmax that precedes the loss in a step then needs no launch.
     */
    static void lossRows(FloatArray h, int hOff, FloatArray z, int zOff, FloatArray y, int yOff, FloatArray delta,
                         int deltaOff, DoubleArray rowLoss, int rows, int cols, int function, int writeDelta,
                         int softmaxFirst) {
        for (@Parallel int r = 0; r < rows; r++) {
            int base = r * cols;
            if (softmaxFirst == 1) {
                softmaxRow(z, zOff + base, h, hOff + base, cols);
            }
            double sum = 0;
            if (function == LOGISTIC) {
                for (int c = 0; c < cols; c++) {
                    double logit = z.get(zOff + base + c);
                    sum += TornadoMath.max(logit, 0.0) + log1p(TornadoMath.exp(-TornadoMath.abs(logit)))
                            - y.get(yOff + base + c) * logit;
                }
            } else if (function == SOFTMAX_CROSS_ENTROPY) {
                double max = z.get(zOff + base);
                for (int c = 1; c < cols; c++) {
                    max = TornadoMath.max(max, (double) z.get(zOff + base + c));
                }
                double sumExp = 0;
                for (int c = 0; c < cols; c++) {
                    sumExp += TornadoMath.exp(z.get(zOff + base + c) - max);
                }
                double logSumExp = max + TornadoMath.log(sumExp);
                for (int c = 0; c < cols; c++) {
                    sum += y.get(yOff + base + c) * (logSumExp - z.get(zOff + base + c));
                }
            } else {
                for (int c = 0; c < cols; c++) {
                    double d = (double) h.get(hOff + base + c) - y.get(yOff + base + c);
                    sum += 0.5 * d * d;
                }
            }
            rowLoss.set(r, sum);
            if (writeDelta == 1) {
                for (int c = 0; c < cols; c++) {
                    delta.set(deltaOff + base + c, h.get(hOff + base + c) - y.get(yOff + base + c));
                }
            }
        }
    }

    /**
     * Sums of squares of {@code chunk}-sized slices of w into {@code partial}; with
     * {@code writeGradient == 1} also gradient += coefficient * w.
     */
    static void squaresByChunk(FloatArray w, int wOff, FloatArray gradient, int gradientOff, DoubleArray partial,
                               int count, int chunk, float coefficient, int writeGradient) {
        for (@Parallel int part = 0; part < (count + chunk - 1) / chunk; part++) {
            int end = TornadoMath.min((part + 1) * chunk, count);
            double sum = 0;
            for (int i = part * chunk; i < end; i++) {
                float weight = w.get(wOff + i);
                sum += (double) weight * weight;
                if (writeGradient == 1) {
                    gradient.set(gradientOff + i, gradient.get(gradientOff + i) + coefficient * weight);
                }
            }
            partial.set(part, sum);
        }
    }

    /**
     * One work-item adds the partial sums in order and rounds once: {@code target[at] = scale * sum},
     * plus what {@code target[at]} held when {@code add} is 1. Sequential on purpose: the partials are
     * few, and a fixed order keeps runs identical. Overwriting never reads the old value: multiplied by
     * 0 it would carry a NaN through under IEEE rules, which only fast-math flags drop.
     */
    static void sumPartials(DoubleArray partial, int count, FloatArray target, int at, int add, double scale) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += partial.get(i);
        }
        if (add == 1) {
            target.set(at, (float) (target.get(at) + scale * sum));
        } else {
            target.set(at, (float) (scale * sum));
        }
    }

    static void columnSums(FloatArray source, int sourceOff, FloatArray target, int targetOff, int rows, int cols,
                           float alpha) {
        for (@Parallel int c = 0; c < cols; c++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                sum += source.get(sourceOff + r * cols + c);
            }
            target.set(targetOff + c, (float) (alpha * sum));
        }
    }

    static void sgd(FloatArray w, int wOff, FloatArray g, int gOff, FloatArray scalars, int scalarsOff, int count) {
        float lr = scalars.get(scalarsOff);
        for (@Parallel int i = 0; i < count; i++) {
            w.set(wOff + i, w.get(wOff + i) - lr * g.get(gOff + i));
        }
    }

    static void momentum(FloatArray w, int wOff, FloatArray g, int gOff, FloatArray v, int vOff, FloatArray scalars,
                         int scalarsOff, int count, float mu, int nesterov) {
        float lr = scalars.get(scalarsOff);
        for (@Parallel int i = 0; i < count; i++) {
            float gradient = g.get(gOff + i);
            float velocity = mu * v.get(vOff + i) - lr * gradient;
            v.set(vOff + i, velocity);
            w.set(wOff + i, w.get(wOff + i) + (nesterov == 1 ? mu * velocity - lr * gradient : velocity));
        }
    }

    /** Elements {@code [0, decayed)} take the weight decay, the others none. */
    static void adam(FloatArray w, int wOff, FloatArray g, int gOff, FloatArray m, int mOff, FloatArray v, int vOff,
                     FloatArray scalars, int scalarsOff, int count, int decayed, float beta1, float beta2,
                     float epsilon, float weightDecay) {
        float lr = scalars.get(scalarsOff);
        float c1 = scalars.get(scalarsOff + 1);
        float c2 = scalars.get(scalarsOff + 2);
        for (@Parallel int i = 0; i < count; i++) {
            float gradient = g.get(gOff + i);
            float first = beta1 * m.get(mOff + i) + (1 - beta1) * gradient;
            float second = beta2 * v.get(vOff + i) + (1 - beta2) * gradient * gradient;
            m.set(mOff + i, first);
            v.set(vOff + i, second);
            float weight = w.get(wOff + i);
            float decay = i < decayed ? weightDecay : 0;
            w.set(wOff + i, weight - lr * (first * c1 / (TornadoMath.sqrt(second * c2) + epsilon) + decay * weight));
        }
    }

    /** Inverted dropout, {@link dev.gale.compute.Op.Dropout}; the step comes from the step scalars. */
    static void dropout(FloatArray in, int inOff, FloatArray out, int outOff, FloatArray scalars, int scalarsOff,
                        int count, long seed, int threshold, float scale) {
        long step = step(scalars, scalarsOff);
        for (@Parallel int i = 0; i < count; i++) {
            out.set(outOff + i, kept(seed, step, i, threshold) ? in.get(inOff + i) * scale : 0);
        }
    }

    /** {@link #dropout} with out = in: TornadoVM's scheduler never finishes a task given one array twice. */
    static void dropoutInPlace(FloatArray data, int dataOff, FloatArray scalars, int scalarsOff, int count, long seed,
                               int threshold, float scale) {
        long step = step(scalars, scalarsOff);
        for (@Parallel int i = 0; i < count; i++) {
            data.set(dataOff + i, kept(seed, step, i, threshold) ? data.get(dataOff + i) * scale : 0);
        }
    }

    /**
     * Rewrites eight arrays with their own values. TornadoVM moves an array to the device only for a
     * task that accesses its elements, so this is what makes a graph upload and keep them; the
     * padding arrays are one element long.
     */
    static void keep(FloatArray a, FloatArray b, FloatArray c, FloatArray d,
                     FloatArray e, FloatArray f, FloatArray g, FloatArray h, int longest) {
        for (@Parallel int i = 0; i < longest; i++) {
            if (i < a.getSize()) {
                a.set(i, a.get(i));
            }
            if (i < b.getSize()) {
                b.set(i, b.get(i));
            }
            if (i < c.getSize()) {
                c.set(i, c.get(i));
            }
            if (i < d.getSize()) {
                d.set(i, d.get(i));
            }
            if (i < e.getSize()) {
                e.set(i, e.get(i));
            }
            if (i < f.getSize()) {
                f.set(i, f.get(i));
            }
            if (i < g.getSize()) {
                g.set(i, g.get(i));
            }
            if (i < h.getSize()) {
                h.set(i, h.get(i));
            }
        }
    }

    private static float activate(int function, float slope, float z) {
        float result = z;
        if (function == SIGMOID) {
            result = 1 / (1 + TornadoMath.exp(-z));
        } else if (function == TANH) {
            result = TornadoMath.tanh(z);
        } else if (function == RELU) {
            result = z > 0 ? z : 0;
        } else if (function == LEAKY_RELU) {
            result = z > 0 ? z : slope * z;
        }
        return result;
    }

    private static long step(FloatArray scalars, int at) {
        return ((long) scalars.get(at + StepScalars.STEP_HIGH) << StepScalars.STEP_SPLIT_BITS)
                + (long) scalars.get(at + StepScalars.STEP_LOW);
    }

    /**
     * {@link DropoutMask#kept}, restated with its constants: a kernel calls only what TornadoVM
     * compiles with it. Each {@code z >>> s} is written {@code (z >> s) & (2^(64 - s) - 1)}, its
     * equal (the draw's bits need no mask beyond its own): TornadoVM 5.2's OpenCL code shifts a long
     * right with the sign for both operators.
     */
    private static boolean kept(long seed, long step, int element, int threshold) {
        long z = seed + step * DropoutMask.GOLDEN + element * DropoutMask.MIX1;
        z = (z ^ ((z >> 30) & 0x3FFFFFFFFL)) * DropoutMask.MIX1;
        z = (z ^ ((z >> 27) & 0x1FFFFFFFFFL)) * DropoutMask.MIX2;
        z = z ^ ((z >> 31) & 0x1FFFFFFFFL);
        return ((int) (z >> 32) & 0xFFFFFF) >= threshold;
    }

    /** log(1 + x) for x >= 0, accurate where 1 + x rounds (Goldberg's correction). */
    private static double log1p(double x) {
        double u = 1 + x;
        return u == 1 ? x : TornadoMath.log(u) * x / (u - 1);
    }

    private static float derivative(int function, float slope, float z, float a) {
        float result = 1;
        if (function == SIGMOID) {
            result = a * (1 - a);
        } else if (function == TANH) {
            // (1 - a)(1 + a) rather than 1 - a^2: no cancellation as |a| approaches 1.
            result = (1 - a) * (1 + a);
        } else if (function == RELU) {
            result = z > 0 ? 1 : 0;
        } else if (function == LEAKY_RELU) {
            result = z > 0 ? 1 : slope;
        }
        return result;
    }
}
