package dev.gale.compute.cpu;

import dev.gale.compute.DropoutMask;
import dev.gale.compute.LossFunction;
import dev.gale.compute.Pointwise;
import java.util.Arrays;

/**
 * Plain-Java kernels: what runs when the JVM lacks {@code jdk.incubator.vector}, and, inherited by
 * {@link VectorKernels}, the ops that are not worth hand-vectorizing. Transcendental functions go
 * through {@link Math}, whose results HotSpot keeps identical in the interpreter and in compiled
 * code, so results do not change as the JIT warms up.
 */
class ScalarKernels implements Kernels {

    private static final int TILE_ROWS = 4;
    private static final int TILE_COLS = 8;

    private final int tileRows;
    private final int tileCols;

    ScalarKernels() {
        this(TILE_ROWS, TILE_COLS);
    }

    /** For subclasses with their own GEMM micro-kernel. */
    ScalarKernels(int tileRows, int tileCols) {
        this.tileRows = tileRows;
        this.tileCols = tileCols;
    }

    @Override
    public final int tileRows() {
        return tileRows;
    }

    @Override
    public final int tileCols() {
        return tileCols;
    }

    @Override
    public void gemmTile(int kc, float[] a, int aOff, float[] b, int bOff, int bStride, float[] c,
                         int cOff, int ldc, int rows, int cols, float alpha, float beta, float[] tile) {
        Arrays.fill(tile, 0, TILE_ROWS * TILE_COLS, 0f);
        for (int p = 0; p < kc; p++) {
            int ap = aOff + p * TILE_ROWS;
            int bp = bOff + p * bStride;
            for (int r = 0; r < TILE_ROWS; r++) {
                float av = a[ap + r];
                int t = r * TILE_COLS;
                for (int j = 0; j < TILE_COLS; j++) {
                    tile[t + j] += av * b[bp + j];
                }
            }
        }
        storeTile(tile, TILE_COLS, c, cOff, ldc, rows, cols, alpha, beta);
    }

    /**
     * Writes {@code C = alpha * tile + beta * C} for the top-left {@code rows x cols} of a tile of
     * sums; C is not read when {@code beta == 0}.
     */
    static void storeTile(float[] tile, int tileCols, float[] c, int cOff, int ldc, int rows,
                          int cols, float alpha, float beta) {
        for (int r = 0; r < rows; r++) {
            int row = cOff + r * ldc;
            for (int j = 0; j < cols; j++) {
                store(c, row + j, tile[r * tileCols + j], alpha, beta);
            }
        }
    }

    /** {@code c[at] = alpha * sum + beta * c[at]}, not reading it when {@code beta == 0}. */
    static void store(float[] c, int at, float sum, float alpha, float beta) {
        float product = alpha * sum;
        c[at] = beta == 0 ? product : product + beta * c[at];
    }

    /** One arraycopy per step, which runs 3.5x faster than an element loop over 32 floats, 1.6x over 8. */
    @Override
    public void packSteps(float[] source, int from, int stepStride, int steps, int lines, float[] panel, int offset,
                          int width) {
        for (int step = 0; step < steps; step++) {
            int to = offset + step * width;
            System.arraycopy(source, from + step * stepStride, panel, to, lines);
            Arrays.fill(panel, to + lines, to + width, 0f);
        }
    }

    /**
     * Step by step, each writing neighbouring floats of the panel: with eight lines, 1.5x (8-wide
     * panels) to 1.9x (32-wide) faster than line by line, whose every write lands a panel row further on.
     */
    @Override
    public void packLines(float[] source, int from, int lineStride, int lines, int steps, float[] panel, int offset,
                          int width) {
        for (int step = 0; step < steps; step++) {
            int to = offset + step * width;
            int at = from + step;
            for (int line = 0; line < lines; line++) {
                panel[to + line] = source[at + line * lineStride];
            }
        }
    }

    /** Each element summed in k order, as {@link #gemmTile} sums it. */
    @Override
    public void gemmNarrow(int k, float[] a, int aOff, float[] panel, float[] c, int cOff, int rows,
                           int cols, float alpha, float beta, float[] tile) {
        for (int r = 0; r < rows; r++) {
            int row = aOff + r * k;
            for (int j = 0; j < cols; j++) {
                float sum = 0f;
                for (int p = 0; p < k; p++) {
                    sum += a[row + p] * panel[p * NARROW + j];
                }
                store(c, cOff + r * cols + j, sum, alpha, beta);
            }
        }
    }

    @Override
    public void biasActivation(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff, int cols,
                               int from, int to, int colFrom, int colTo, Pointwise function, float slope) {
        for (int r = from; r < to; r++) {
            biasActivationRow(z, zOff + r * cols, bias, biasOff, out, outOff + r * cols, colFrom, colTo, function,
                    slope);
        }
    }

    /** Columns {@code [colFrom, colTo)} of the row that starts at {@code zRow} in z and {@code outRow} in out. */
    static void biasActivationRow(float[] z, int zRow, float[] bias, int biasOff, float[] out, int outRow,
                                  int colFrom, int colTo, Pointwise function, float slope) {
        for (int c = colFrom; c < colTo; c++) {
            float x = z[zRow + c] + bias[biasOff + c];
            z[zRow + c] = x;
            out[outRow + c] = activate(function, slope, x);
        }
    }

    static float activate(Pointwise function, float slope, float x) {
        return switch (function) {
            case IDENTITY -> x;
            case SIGMOID -> sigmoid(x);
            case TANH -> tanh(x);
            case RELU -> x > 0 ? x : 0f;
            case LEAKY_RELU -> x > 0 ? x : slope * x;
        };
    }

    /** e^-|x| never overflows, and dividing it or 1 by 1 + e^-|x| covers both signs of x. */
    static float sigmoid(float x) {
        float e = (float) Math.exp(-Math.abs(x));
        return (x >= 0 ? 1f : e) / (1f + e);
    }

    /**
     * Math.tanh is not intrinsified and costs several times a double exp. Evaluated in double,
     * (1 - e) / (1 + e) with e = e^(-2|x|) loses at most 2^-53 / (2|x|) relatively to cancellation,
     * far below float precision once |x| >= 2^-12; below that tanh x rounds to x.
     */
    static float tanh(float x) {
        float ax = Math.abs(x);
        if (ax < 0x1p-12f) {
            return x;
        }
        double e = Math.exp(-2.0 * ax);
        return Math.copySign((float) ((1 - e) / (1 + e)), x);
    }

    @Override
    public void rowSoftmax(float[] z, int zOff, float[] out, int outOff, int cols, int from, int to) {
        for (int r = from; r < to; r++) {
            int zRow = zOff + r * cols;
            int outRow = outOff + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, z[zRow + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                // The difference is exact in double, so exp sees the true argument.
                float e = (float) Math.exp((double) z[zRow + c] - max);
                out[outRow + c] = e;
                sum += e;
            }
            for (int c = 0; c < cols; c++) {
                out[outRow + c] = (float) (out[outRow + c] / sum);
            }
        }
    }

    @Override
    public void activationGradient(float[] delta, int deltaOff, float[] z, int zOff, float[] a, int aOff, int from,
                                   int to, Pointwise function, float slope) {
        switch (function) {
            case IDENTITY -> {
            }
            case SIGMOID -> {
                for (int i = from; i < to; i++) {
                    delta[deltaOff + i] *= a[aOff + i] * (1 - a[aOff + i]);
                }
            }
            case TANH -> {
                // (1 - a)(1 + a) rather than 1 - a^2: no cancellation as |a| approaches 1.
                for (int i = from; i < to; i++) {
                    delta[deltaOff + i] *= (1 - a[aOff + i]) * (1 + a[aOff + i]);
                }
            }
            case RELU -> {
                for (int i = from; i < to; i++) {
                    delta[deltaOff + i] *= z[zOff + i] > 0 ? 1f : 0f;
                }
            }
            case LEAKY_RELU -> {
                for (int i = from; i < to; i++) {
                    delta[deltaOff + i] *= z[zOff + i] > 0 ? 1f : slope;
                }
            }
        }
    }

    @Override
    public void maxoutForward(float[] z, int zOff, float[] out, int outOff, int pieces, int from, int to) {
        for (int unit = from; unit < to; unit++) {
            out[outOff + unit] = z[winner(z, zOff + unit * pieces, pieces)];
        }
    }

    @Override
    public void maxoutBackward(float[] deltaOut, int deltaOutOff, float[] z, int zOff, float[] deltaZ,
                               int deltaZOff, int pieces, int from, int to) {
        for (int unit = from; unit < to; unit++) {
            int base = unit * pieces;
            int winner = winner(z, zOff + base, pieces) - zOff;
            for (int i = base; i < base + pieces; i++) {
                deltaZ[deltaZOff + i] = i == winner ? deltaOut[deltaOutOff + unit] : 0f;
            }
        }
    }

    /** The index of the first maximum of {@code z[base .. base + pieces)}. */
    private static int winner(float[] z, int base, int pieces) {
        int best = base;
        for (int i = base + 1; i < base + pieces; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public double loss(LossFunction function, float[] output, int outputOff, float[] logits, int logitsOff,
                       float[] target, int targetOff, float[] delta, int deltaOff, int cols, int from, int to) {
        double total = 0;
        for (int r = from; r < to; r++) {
            int row = r * cols;
            total += switch (function) {
                case LOGISTIC -> logisticLoss(logits, logitsOff + row, target, targetOff + row, cols);
                case SOFTMAX_CROSS_ENTROPY -> softmaxCrossEntropy(logits, logitsOff + row, target, targetOff + row, cols);
                case MEAN_SQUARED_ERROR -> squaredError(output, outputOff + row, target, targetOff + row, cols);
            };
            // After the row's loss, so that delta may alias an input.
            if (delta != null) {
                for (int c = row; c < row + cols; c++) {
                    delta[deltaOff + c] = output[outputOff + c] - target[targetOff + c];
                }
            }
        }
        return total;
    }

    /** sum softplus(z) - y z, with softplus(z) = max(z, 0) + log1p(e^-|z|) never overflowing. */
    private static double logisticLoss(float[] z, int zRow, float[] y, int yRow, int cols) {
        double sum = 0;
        for (int c = 0; c < cols; c++) {
            double x = z[zRow + c];
            sum += Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) - y[yRow + c] * x;
        }
        return sum;
    }

    private static double softmaxCrossEntropy(float[] z, int zRow, float[] y, int yRow, int cols) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) {
            max = Math.max(max, z[zRow + c]);
        }
        double sumExp = 0;
        for (int c = 0; c < cols; c++) {
            sumExp += Math.exp(z[zRow + c] - max);
        }
        double logSumExp = max + Math.log(sumExp);
        double sum = 0;
        for (int c = 0; c < cols; c++) {
            sum += y[yRow + c] * (logSumExp - z[zRow + c]);
        }
        return sum;
    }

    private static double squaredError(float[] h, int hRow, float[] y, int yRow, int cols) {
        double sum = 0;
        for (int c = 0; c < cols; c++) {
            double d = (double) h[hRow + c] - y[yRow + c];
            sum += 0.5 * d * d;
        }
        return sum;
    }

    @Override
    public double sumOfSquares(float[] x, int xOff, int from, int to) {
        double sum = 0;
        for (int i = xOff + from; i < xOff + to; i++) {
            sum += (double) x[i] * x[i];
        }
        return sum;
    }

    @Override
    public void addScaled(float[] target, int targetOff, float scale, float[] source, int sourceOff, int from,
                          int to) {
        for (int i = from; i < to; i++) {
            target[targetOff + i] += scale * source[sourceOff + i];
        }
    }

    @Override
    public void columnSums(float[] source, int sourceOff, float[] target, int targetOff, int rows, int cols,
                           int from, int to, float alpha, double[] sums) {
        int width = to - from;
        Arrays.fill(sums, 0, width, 0);
        for (int r = 0; r < rows; r++) {
            int row = sourceOff + r * cols + from;
            for (int j = 0; j < width; j++) {
                sums[j] += source[row + j];
            }
        }
        for (int j = 0; j < width; j++) {
            target[targetOff + from + j] = (float) (alpha * sums[j]);
        }
    }

    @Override
    public void momentum(float[] w, int wOff, float[] g, int gOff, float[] v, int vOff, float mu, float lr,
                         boolean nesterov, int from, int to) {
        for (int i = from; i < to; i++) {
            float velocity = mu * v[vOff + i] - lr * g[gOff + i];
            v[vOff + i] = velocity;
            w[wOff + i] += nesterov ? mu * velocity - lr * g[gOff + i] : velocity;
        }
    }

    @Override
    public void adam(float[] w, int wOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                     float beta1, float beta2, float epsilon, float weightDecay, float lr, float c1, float c2,
                     int from, int to) {
        float oneMinusBeta1 = 1 - beta1;
        float oneMinusBeta2 = 1 - beta2;
        for (int i = from; i < to; i++) {
            float gradient = g[gOff + i];
            float first = beta1 * m[mOff + i] + oneMinusBeta1 * gradient;
            float second = beta2 * v[vOff + i] + oneMinusBeta2 * gradient * gradient;
            m[mOff + i] = first;
            v[vOff + i] = second;
            float weight = w[wOff + i];
            w[wOff + i] = weight - lr * (first * c1 / ((float) Math.sqrt(second * c2) + epsilon) + weightDecay * weight);
        }
    }

    @Override
    public void dropout(float[] in, int inOff, float[] out, int outOff, long seed, long step, int threshold,
                        float scale, int from, int to) {
        for (int i = from; i < to; i++) {
            out[outOff + i] = DropoutMask.kept(seed, step, i, threshold) ? in[inOff + i] * scale : 0f;
        }
    }
}
