package dev.gale.kernels;

import static dev.gale.kernels.Tolerance.U;

import dev.gale.compute.Buffer;
import dev.gale.compute.LossFunction;
import dev.gale.compute.Op;
import dev.gale.compute.Pointwise;
import dev.gale.compute.StepScalars;
import dev.gale.compute.reference.Functions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The table of kernel cases: one row per kind of op, each with the shapes it runs on, how its
 * operands are drawn, and the bound each output is held to with the reason for it. Inputs lie in
 * [-1, 1) unless a row says otherwise, which is what the bounds' magnitudes assume.
 */
final class KernelTable {

    /** Builds a row's op for one shape, drawing its operands on one backend. */
    @FunctionalInterface
    interface Builder {
        Op build(int[] dims, Operands in);
    }

    record Shape(String label, int... dims) {
    }

    record Row(String op, List<Shape> shapes, Builder builder) {
    }

    private static final boolean[] BOTH = {false, true};
    private static final float SLOPE = 0.1f;

    private KernelTable() {
    }

    /** Every row; {@code seed} draws each row's extra random shape. */
    static List<Row> rows(long seed) {
        List<Row> rows = new ArrayList<>();
        gemm(rows, seed);
        for (Pointwise function : Pointwise.values()) {
            rows.add(biasActivation(function, false, seed));
        }
        rows.add(biasActivation(Pointwise.TANH, true, seed));
        rows.add(rowSoftmax(seed));
        for (Pointwise function : Pointwise.values()) {
            rows.add(activationGradient(function, seed));
        }
        maxout(rows, seed);
        for (LossFunction function : LossFunction.values()) {
            for (boolean withDelta : BOTH) {
                rows.add(loss(function, withDelta, seed));
            }
        }
        for (boolean withGradient : BOTH) {
            rows.add(l2(withGradient, seed));
        }
        rows.add(columnSums(seed));
        dropout(rows, seed);
        updates(rows, seed);
        return rows;
    }

    private static void gemm(List<Row> rows, long seed) {
        for (boolean transposeA : BOTH) {
            for (boolean transposeB : BOTH) {
                for (boolean accumulate : BOTH) {
                    float alpha = accumulate ? -0.75f : 1f;
                    float beta = accumulate ? 0.5f : 0f;
                    String name = "gemm " + (transposeA ? "T" : "N") + (transposeB ? "T" : "N")
                            + (accumulate ? " a=-.75 b=.5" : " b=0");
                    Random random = new Random(seed + name.hashCode());
                    List<Shape> shapes = List.of(new Shape("1x1x1", 1, 1, 1), new Shape("7x13x5", 7, 13, 5),
                            new Shape("1000x3x7", 1000, 3, 7), new Shape("3x1000x2", 3, 1000, 2),
                            new Shape("19x35x700", 19, 35, 700), new Shape("130x257x129", 130, 257, 129),
                            // Small, n a whole number of micro-tiles: the CPU reads op(B) unpacked, for
                            // few row tiles and for many whose B rows stay in L1 together; rows 2 KiB
                            // apart do not, and are packed.
                            new Shape("10x64x33", 10, 64, 33), new Shape("40x64x12", 40, 64, 12),
                            new Shape("24x512x20", 24, 512, 20),
                            // At most 16 wide, A not transposed: the CPU packs only op(B), in blocks
                            // of 8 rows and leftover rows; the second on several threads.
                            new Shape("37x11x133", 37, 11, 133), new Shape("1100x12x80", 1100, 12, 80),
                            // Narrow, and whole micro-tiles of the scalar kernels (8 wide): still packed.
                            new Shape("20x16x40", 20, 16, 40),
                            // At most two row tiles over several k blocks: op(B) read in place (n a
                            // whole number of micro-tiles), or packed a micro-panel at a time.
                            new Shape("9x64x300", 9, 64, 300), new Shape("6x40x520", 6, 40, 520),
                            random("random", random, 150, 150, 150));
                    rows.add(new Row(name, shapes, (d, in) -> {
                        int m = d[0];
                        int n = d[1];
                        int k = d[2];
                        // A k-term dot product rounds ~k times at the scale of its partial sums, ~sqrt(k)
                        // for random signs (absolute, since the sum may cancel); alpha and beta add two.
                        Tolerance tolerance = new Tolerance(
                                (k + 2) * U * (Math.abs(alpha) * Math.sqrt(k) + Math.abs(beta)), 2 * U,
                                "k roundings at the partial sums' scale sqrt(k), 2 for alpha, beta");
                        Buffer a = in.input(m * k);
                        Buffer b = in.input(k * n);
                        Buffer c = accumulate ? in.updated("C", in.uniform(m * n, -1, 1), tolerance)
                                : in.output("C", m * n, tolerance);
                        return new Op.Gemm(a, transposeA, b, transposeB, c, m, n, k, alpha, beta);
                    }));
                }
            }
        }
    }

    private static Row biasActivation(Pointwise function, boolean inPlace, long seed) {
        String name = "bias+" + function.name().toLowerCase() + (inPlace ? " in place" : "");
        // z + bias is rounded once. Then: sigmoid's condition number |x|(1 - g) is at most |x| <= 5
        // here, plus exp (<= 1.5 roundings), 1 + e and the division; tanh's condition number is at
        // most 1, plus <= 5 roundings in (1 - e) / (1 + e); leaky relu's slope * x rounds once.
        Tolerance out = switch (function) {
            case IDENTITY, RELU -> Tolerance.relative(1, "the rounding of z + bias");
            case LEAKY_RELU -> Tolerance.relative(2, "z + bias, slope * x");
            case SIGMOID -> Tolerance.relative(12, "cond <= |x| <= 5, exp, 1 + e, division");
            case TANH -> Tolerance.relative(8, "cond <= 1, exp and 4 roundings in (1 - e) / (1 + e)");
        };
        return new Row(name, matrixShapes(seed, name), (d, in) -> {
            int rows = d[0];
            int cols = d[1];
            Tolerance sum = Tolerance.relative(1, "the rounding of z + bias");
            Buffer z = in.updated("z", in.uniform(rows * cols, -4, 4), inPlace ? out : sum);
            Buffer bias = in.input(cols);
            Buffer a = inPlace ? z : in.output("out", rows * cols, out);
            return new Op.BiasActivation(z, bias, a, rows, cols, function, SLOPE);
        });
    }

    private static Row rowSoftmax(long seed) {
        return new Row("row softmax", matrixShapes(seed, "row softmax"), (d, in) -> {
            int rows = d[0];
            int cols = d[1];
            Buffer z = in.input(in.uniform(rows * cols, -4, 4));
            // exp of the exact difference z - max in double, then one rounding each for e, its
            // share of the double sum and e / sum.
            Buffer out = in.output("out", rows * cols, Tolerance.relative(4, "exp in double, 3 roundings"));
            return new Op.RowSoftmax(z, out, rows, cols);
        });
    }

    private static Row activationGradient(Pointwise function, long seed) {
        String name = "activation gradient " + function.name().toLowerCase();
        Tolerance tolerance = switch (function) {
            case IDENTITY, RELU -> Tolerance.exact("delta times 1 or 0");
            case LEAKY_RELU -> Tolerance.relative(1, "delta * slope");
            case SIGMOID -> Tolerance.relative(4, "1 - a, a (1 - a), delta * g'");
            case TANH -> Tolerance.relative(5, "1 - a, 1 + a, their product, delta * g'");
        };
        return new Row(name, flatShapes(seed, name), (d, in) -> {
            int count = d[0];
            float[] zValues = in.uniform(count, -4, 4);
            float[] aValues = new float[count];
            for (int i = 0; i < count; i++) {
                aValues[i] = (float) Functions.apply(function, SLOPE, zValues[i]);
            }
            Buffer delta = in.updated("delta", in.uniform(count, -1, 1), tolerance);
            return new Op.ActivationGradient(delta, in.input(zValues), in.input(aValues), count, function, SLOPE);
        });
    }

    private static void maxout(List<Row> rows, long seed) {
        for (boolean backward : BOTH) {
            String name = backward ? "maxout backward" : "maxout forward";
            Random random = new Random(seed + name.hashCode());
            List<Shape> shapes = List.of(new Shape("1x1x1", 1, 1, 1), new Shape("1x1x2", 1, 1, 2),
                    new Shape("7x5x3", 7, 5, 3), new Shape("1000x3x2", 1000, 3, 2),
                    new Shape("129x67x4", 129, 67, 4), random("random", random, 100, 50, 5));
            rows.add(new Row(name, shapes, (d, in) -> {
                int count = d[0] * d[1];
                int pieces = d[2];
                // Halves in [-2, 2]: pieces often tie, and the first of them must win.
                float[] zValues = new float[count * pieces];
                for (int i = 0; i < zValues.length; i++) {
                    zValues[i] = (in.nextInt(9) - 4) / 2f;
                }
                Buffer z = in.input(zValues);
                Tolerance selection = Tolerance.exact("selection copies values");
                if (backward) {
                    Buffer deltaOut = in.input(count);
                    Buffer deltaZ = in.output("deltaZ", count * pieces, selection);
                    return new Op.MaxoutBackward(deltaOut, z, deltaZ, d[0], d[1], pieces);
                }
                return new Op.MaxoutForward(z, in.output("out", count, selection), d[0], d[1], pieces);
            }));
        }
    }

    private static Row loss(LossFunction function, boolean withDelta, long seed) {
        String name = "loss " + function.name().toLowerCase() + (withDelta ? " +delta" : "");
        return new Row(name, matrixShapes(seed, name), (d, in) -> {
            int rows = d[0];
            int cols = d[1];
            float[] z = in.uniform(rows * cols, -4, 4);
            float[] h = new float[rows * cols];
            float[] y = new float[rows * cols];
            switch (function) {
                case LOGISTIC -> {
                    for (int i = 0; i < z.length; i++) {
                        h[i] = (float) Functions.sigmoid(z[i]);
                    }
                    y = in.uniform(rows * cols, 0, 1);
                }
                case SOFTMAX_CROSS_ENTROPY -> {
                    for (int r = 0; r < rows; r++) {
                        softmax(z, h, r * cols, cols);
                        y[r * cols + in.nextInt(cols)] = 1;
                    }
                }
                case MEAN_SQUARED_ERROR -> {
                    h = in.uniform(rows * cols, -1, 1);
                    y = in.uniform(rows * cols, -1, 1);
                }
            }
            // Every data term is non-negative, so the double sum does not cancel: one rounding to
            // float, and one for double's own error to spare.
            Buffer loss = in.output("loss", 1, Tolerance.relative(2, "double sum, one rounding"));
            Buffer delta = withDelta
                    ? in.output("delta", rows * cols, Tolerance.relative(1, "the rounding of h - y")) : null;
            return new Op.LossGradient(function, in.input(h), in.input(z), in.input(y), delta, loss, rows, cols);
        });
    }

    private static void softmax(float[] z, float[] h, int row, int cols) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = row; c < row + cols; c++) {
            max = Math.max(max, z[c]);
        }
        double sum = 0;
        for (int c = row; c < row + cols; c++) {
            sum += Math.exp(z[c] - max);
        }
        for (int c = row; c < row + cols; c++) {
            h[c] = (float) (Math.exp(z[c] - max) / sum);
        }
    }

    private static Row l2(boolean withGradient, long seed) {
        String name = "l2" + (withGradient ? " +gradient" : "");
        float coefficient = 0.01f;
        return new Row(name, flatShapes(seed, name), (d, in) -> {
            int count = d[0];
            Buffer weights = in.input(count);
            // A sum of squares added to a positive loss does not cancel: one rounding to float.
            Buffer loss = in.updated("loss", in.uniform(1, 0, 1), Tolerance.relative(2, "double sum, one rounding"));
            Buffer gradient = withGradient ? in.updated("gradient", in.uniform(count, -1, 1),
                    new Tolerance(2 * U * coefficient, 2 * U, "rounds c * w and the sum")) : null;
            return new Op.L2Penalty(weights, gradient, loss, count, coefficient);
        });
    }

    private static Row columnSums(long seed) {
        String name = "column sums";
        float alpha = -0.3f;
        return new Row(name, matrixShapes(seed, name), (d, in) -> {
            int rows = d[0];
            int cols = d[1];
            // A double sum errs by at most rows 2^-53 sum|x| <= rows^2 2^-53, which matters only
            // where the column cancels; then one rounding to float.
            Tolerance tolerance = new Tolerance(2 * Math.abs(alpha) * rows * rows * 0x1p-53, U,
                    "double sum's error where it cancels, one rounding");
            return new Op.ColumnSums(in.input(rows * cols), in.output("target", cols, tolerance), rows, cols, alpha);
        });
    }

    private static void dropout(List<Row> rows, long seed) {
        // Kept elements: x * s with s = 1/(1 - rate) rounded to float, then the product rounded;
        // dropped ones are exactly 0 on every backend, since all draw the same mask.
        Tolerance tolerance = Tolerance.relative(2, "s rounded to float, then the product");
        // A step above 2^20 uses both halves of the step scalars.
        long step = (5L << StepScalars.STEP_SPLIT_BITS) + 12_345;
        rows.add(new Row("dropout 0.3", flatShapes(seed, "dropout 0.3"), (d, in) -> {
            int count = d[0];
            Buffer input = in.input(count);
            return new Op.Dropout(input, in.output("out", count, tolerance), count, 0.3f, seed, in.scalars(step));
        }));
        rows.add(new Row("dropout 0.5 in place", flatShapes(seed, "dropout 0.5 in place"), (d, in) -> {
            int count = d[0];
            Buffer data = in.updated("data", in.uniform(count, -1, 1), tolerance);
            return new Op.Dropout(data, data, count, 0.5f, seed + 1, in.scalars(step));
        }));
    }

    private static void updates(List<Row> rows, long seed) {
        float lr = 0.1f;
        rows.add(new Row("sgd", flatShapes(seed, "sgd"), (d, in) -> {
            int count = d[0];
            // lr * g and w - lr * g each round once; the first is absolute since w may cancel it.
            Tolerance tolerance = new Tolerance(2 * U * lr, 2 * U, "rounds lr * g and the difference");
            Buffer weights = in.updated("w", in.uniform(count, -1, 1), tolerance);
            return new Op.SgdUpdate(weights, in.input(count), count, in.scalars(lr, 1, 1));
        }));
        float mu = 0.9f;
        for (boolean nesterov : BOTH) {
            String name = "momentum" + (nesterov ? " nesterov" : "");
            rows.add(new Row(name, flatShapes(seed, name), (d, in) -> {
                int count = d[0];
                // At most five roundings of terms bounded by mu + lr, then one of the result.
                Tolerance tolerance = new Tolerance(8 * U * (mu + lr), 2 * U, "<= 5 roundings of terms <= mu + lr");
                Buffer weights = in.updated("w", in.uniform(count, -1, 1), tolerance);
                Buffer gradient = in.input(count);
                Buffer velocity = in.updated("v", in.uniform(count, -1, 1), tolerance);
                return new Op.MomentumUpdate(weights, gradient, velocity, count, mu, nesterov, in.scalars(lr, 1, 1));
            }));
        }
        float beta1 = 0.9f;
        float beta2 = 0.999f;
        float adamLr = 0.01f;
        int t = 3;
        float c1 = (float) (1 / (1 - Math.pow(beta1, t)));
        float c2 = (float) (1 / (1 - Math.pow(beta2, t)));
        for (float weightDecay : new float[] {0f, 0.01f}) {
            String name = "adam" + (weightDecay > 0 ? " wd=.01 on the first third" : "");
            rows.add(new Row(name, flatShapes(seed, name), (d, in) -> {
                int count = d[0];
                Buffer weights = in.updated("w", in.uniform(count, -1, 1),
                        // The update term, <= ~2 here (v >= 0.01, t = 3), carries ~20 roundings' worth
                        // of error from m, v and its own evaluation, scaled by lr; then one rounding.
                        new Tolerance(32 * U * adamLr, 2 * U, "~20 roundings of a term <= 2, times lr"));
                Buffer gradient = in.input(count);
                Buffer first = in.updated("m", in.uniform(count, -1, 1),
                        new Tolerance(2 * U, 2 * U, "2 roundings of terms <= 1, one of the sum"));
                Buffer second = in.updated("v", in.uniform(count, 0.01, 1),
                        Tolerance.relative(4, "positive terms, 4 roundings"));
                return new Op.AdamUpdate(weights, gradient, first, second, count,
                        weightDecay > 0 ? count / 3 : count, beta1, beta2, 1e-8f, weightDecay,
                        in.scalars(adamLr, c1, c2));
            }));
        }
    }

    private static List<Shape> matrixShapes(long seed, String name) {
        // 333 x 257: several row ranges per op, and a vector tail in every row.
        return List.of(new Shape("1x1", 1, 1), new Shape("7x13", 7, 13), new Shape("1000x3", 1000, 3),
                new Shape("3x1000", 3, 1000), new Shape("333x257", 333, 257),
                random("random", new Random(seed + name.hashCode()), 300, 300));
    }

    private static List<Shape> flatShapes(long seed, String name) {
        // 100003: several element ranges, the last one odd.
        return List.of(new Shape("1", 1), new Shape("13", 13), new Shape("1000", 1000),
                new Shape("100003", 100_003), random("random", new Random(seed + name.hashCode()), 40_000));
    }

    /** A shape with each dimension uniform in [1, limit]. */
    private static Shape random(String label, Random random, int... limits) {
        int[] dims = new int[limits.length];
        StringBuilder text = new StringBuilder(label).append(' ');
        for (int i = 0; i < limits.length; i++) {
            dims[i] = 1 + random.nextInt(limits[i]);
            text.append(i == 0 ? "" : "x").append(dims[i]);
        }
        return new Shape(text.toString(), dims);
    }
}
