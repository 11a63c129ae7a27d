package dev.gale.compute.cpu;

import dev.gale.compute.LossFunction;
import dev.gale.compute.Pointwise;

/**
 * The arithmetic of the ops over one range of their outputs. Steps choose the ranges, and with them
 * the parallel split; a kernel must compute every output the same way wherever the range
 * boundaries fall, which is what makes results independent of the thread count. Semantics are
 * those of {@link dev.gale.compute.Op}.
 */
interface Kernels {

    /** Rows of a GEMM micro-tile: packed op(A) panels are this many rows wide. */
    int tileRows();

    /** Columns of a GEMM micro-tile: packed op(B) panels are this many columns wide. */
    int tileCols();

    /**
     * One micro-tile of {@code C = alpha * op(A) op(B) + beta * C} over {@code kc} steps of a packed
     * A panel, {@code a[aOff + p * tileRows() + r]}, and B rows {@code b[bOff + p * bStride + j]}:
     * a packed B panel ({@code bStride == tileCols()}) or op(B) itself when its rows are contiguous.
     * Writes the top-left {@code rows x cols} of the tile at {@code c[cOff]} (row stride
     * {@code ldc}), reading C only when {@code beta != 0}. {@code tile} is scratch of
     * {@code tileRows() * tileCols()} floats.
     */
    void gemmTile(int kc, float[] a, int aOff, float[] b, int bOff, int bStride, float[] c, int cOff,
                  int ldc, int rows, int cols, float alpha, float beta, float[] tile);

    /**
     * Packs {@code lines} contiguous floats of each of {@code steps} steps,
     * {@code source[from + p * stepStride + line]}, into a panel laid out across k,
     * {@code panel[offset + p * width + line]}, zero-padding each step from {@code lines} to
     * {@code width}.
     */
    void packSteps(float[] source, int from, int stepStride, int steps, int lines, float[] panel, int offset,
                   int width);

    /**
     * Packs {@code lines} lines of a GEMM operand that run along k, {@code source[from + line * lineStride + p]},
     * into a panel laid out across k: {@code panel[offset + p * width + line]} for steps {@code p} in
     * {@code [0, steps)}.
     */
    void packLines(float[] source, int from, int lineStride, int lines, int steps, float[] panel, int offset,
                   int width);

    /** Columns of the B panel {@link #gemmNarrow} reads. */
    int NARROW = 16;

    /**
     * Rows {@code [0, rows)} of {@code C = alpha * A op(B) + beta * C} for op(B) at most
     * {@link #NARROW} columns wide, reading A's rows where they are, {@code a[aOff + r * k + p]},
     * and op(B) packed once, {@code panel[p * NARROW + j]}. Writes {@code c[cOff + r * cols + j]},
     * reading C only when {@code beta != 0}. Every element is summed the same way wherever
     * {@code rows} begins. {@code tile} is scratch of {@code tileRows() * tileCols()} floats.
     */
    void gemmNarrow(int k, float[] a, int aOff, float[] panel, float[] c, int cOff, int rows,
                    int cols, float alpha, float beta, float[] tile);

    // From here on each array comes with the index of its element 0 (zOff for z):
    // an op's buffer may be a slice of a larger one.

    /**
     * Rows {@code [from, to)}, columns {@code [colFrom, colTo)} of rows {@code cols} long:
     * {@code z += bias; out = g(z)}. Every element is computed the same way wherever the block
     * begins, as long as {@code colFrom} is a multiple of {@link #tileCols()}.
     */
    void biasActivation(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff, int cols, int from,
                        int to, int colFrom, int colTo, Pointwise function, float slope);

    /** Rows {@code [from, to)}. */
    void rowSoftmax(float[] z, int zOff, float[] out, int outOff, int cols, int from, int to);

    /** Elements {@code [from, to)}: {@code delta *= g'(z, a)}. */
    void activationGradient(float[] delta, int deltaOff, float[] z, int zOff, float[] a, int aOff, int from, int to,
                            Pointwise function, float slope);

    /** Output units {@code [from, to)} of the flattened rows x units output. */
    void maxoutForward(float[] z, int zOff, float[] out, int outOff, int pieces, int from, int to);

    /** Output units {@code [from, to)} of the flattened rows x units delta. */
    void maxoutBackward(float[] deltaOut, int deltaOutOff, float[] z, int zOff, float[] deltaZ, int deltaZOff,
                        int pieces, int from, int to);

    /**
     * Rows {@code [from, to)}: returns the sum of their data terms and writes
     * {@code delta = output - target} when delta is not null.
     */
    double loss(LossFunction function, float[] output, int outputOff, float[] logits, int logitsOff, float[] target,
                int targetOff, float[] delta, int deltaOff, int cols, int from, int to);

    /** Elements {@code [from, to)}: the sum of squares, in double. */
    double sumOfSquares(float[] x, int xOff, int from, int to);

    /** Elements {@code [from, to)}: {@code target += scale * source}. */
    void addScaled(float[] target, int targetOff, float scale, float[] source, int sourceOff, int from, int to);

    /**
     * Columns {@code [from, to)}: {@code target[c] = alpha * sum_r source[r, c]}, summed in row
     * order in double. {@code sums} is scratch of at least {@code to - from} doubles.
     */
    void columnSums(float[] source, int sourceOff, float[] target, int targetOff, int rows, int cols, int from,
                    int to, float alpha, double[] sums);

    /** Elements {@code [from, to)} of a (Nesterov) momentum step. */
    void momentum(float[] w, int wOff, float[] g, int gOff, float[] v, int vOff, float mu, float lr, boolean nesterov,
                  int from, int to);

    /** Elements {@code [from, to)} of an Adam step; lr, c1 and c2 as read from the step scalars. */
    void adam(float[] w, int wOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, float beta1,
              float beta2, float epsilon, float weightDecay, float lr, float c1, float c2, int from, int to);

    /** Elements {@code [from, to)} of inverted dropout at {@code step} (see {@link dev.gale.compute.DropoutMask}). */
    void dropout(float[] in, int inOff, float[] out, int outOff, long seed, long step, int threshold, float scale,
                 int from, int to);
}
