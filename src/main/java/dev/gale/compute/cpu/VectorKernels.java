package dev.gale.compute.cpu;

import dev.gale.compute.Pointwise;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Kernels on {@code jdk.incubator.vector} for the hot ops: GEMM packing and the narrow GEMM, bias
 * plus activation, activation gradients, the L2 sum and the updates; the rest is inherited from
 * {@link ScalarKernels}. The GEMM micro-kernel is a subclass's, one per {@link MicroTile}. Only
 * {@link CpuBackend} loads these classes, and only when the module is in the boot layer.
 *
 * <p>Ranges run whole vectors first and finish with the scalar kernel. A range's split into vector
 * body and tail depends only on its bounds, which the steps fix from the op's shape alone.
 */
abstract class VectorKernels extends ScalarKernels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    static final int L = F.length();

    /**
     * Whether packing transposes and copies in vectors: where a vector holds one or two blocks of
     * eight floats, the transposes' unit (at 256 and 512 bits). Packing stores vectors of the
     * machine's own shape only, whole or under a mask, never narrower ones: the JIT resolves the
     * calls inside {@code FloatVector.intoArray} from one type profile shared by all its callers, and
     * with two shapes counted there it could compile the micro-kernel's stores of C with a type check
     * that boxes every vector (the wide training step then ran ten times slower for the JVM's life;
     * see README, Performance).
     */
    private static final boolean PACK_VECTORS = L == 8 || L == 16;
    /** A vector's lower and upper half: two steps of a half-width panel, or two blocks of 8 steps. */
    private static final VectorMask<Float> LOW_HALF = F.indexInRange(0, L / 2);
    private static final VectorMask<Float> HIGH_HALF = LOW_HALF.not();
    /**
     * A transpose exchanges blocks of 4, 2 and 1 lanes between pairs of vectors, within each group
     * of eight lanes (see {@link #lowBlocks}): each level's permute swaps neighbouring blocks, its
     * mask marks the upper block of each pair. {@code SWAP_8} swaps the two groups of a 16-float
     * vector, whose upper group {@link #HIGH_HALF} marks.
     */
    private static final VectorShuffle<Float> SWAP_8 = swap(8);
    private static final VectorShuffle<Float> SWAP_4 = swap(4);
    private static final VectorShuffle<Float> SWAP_2 = swap(2);
    private static final VectorShuffle<Float> SWAP_1 = swap(1);
    private static final VectorMask<Float> UPPER_4 = upper(4);
    private static final VectorMask<Float> LOWER_4 = UPPER_4.not();
    private static final VectorMask<Float> UPPER_2 = upper(2);
    private static final VectorMask<Float> UPPER_1 = upper(1);

    /**
     * Below this |x|, tanh is its Taylor series x + x^3 (T3 + T5 x^2 + ... + T13 x^10), whose first
     * omitted term, 929569/638512875 x^15, stays under 2^-27 x. Above, (1 - e) / (1 + e) with
     * e = e^-2|x|, where e / (1 - e) < 0.82 keeps the error of e from growing in 1 - e.
     */
    private static final float TANH_SERIES_LIMIT = 0.4f;
    private static final float T3 = -1f / 3;
    private static final float T5 = 2f / 15;
    private static final float T7 = -17f / 315;
    private static final float T9 = 62f / 2835;
    private static final float T11 = -1382f / 155925;
    private static final float T13 = 21844f / 6081075;

    private static final float LOG2_E = 1.44269504088896341f;
    /** Adding 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer. */
    private static final float ROUND_TO_INTEGER = 0x1.8p23f;
    /** ln 2 split so that n * LN2_HIGH is exact for the |n| <= 150 used here (Cody and Waite). */
    private static final float LN2_HIGH = 0.693359375f;
    private static final float LN2_LOW = -2.12194440e-4f;
    /** Below this, e^x is under half the smallest subnormal float and rounds to zero. */
    private static final float EXP_FLOOR = -104f;
    /** Minimax coefficients of e^r on |r| <= ln2/2, from Cephes' expf. */
    private static final float E2 = 5.0000001201e-1f;
    private static final float E3 = 1.6666665459e-1f;
    private static final float E4 = 4.1665795894e-2f;
    private static final float E5 = 8.3334519073e-3f;
    private static final float E6 = 1.3981999507e-3f;
    private static final float E7 = 1.9875691500e-4f;

    VectorKernels(int tileRows, int tileCols) {
        super(tileRows, tileCols);
    }

    /** Lane {@code i} takes lane {@code i ^ block}: blocks of {@code block} lanes swap with their neighbours. */
    private static VectorShuffle<Float> swap(int block) {
        return VectorShuffle.fromOp(F, lane -> (lane ^ block) % L);
    }

    /** The lanes whose {@code block} bit is set: the upper block of each pair. */
    private static VectorMask<Float> upper(int block) {
        boolean[] set = new boolean[L];
        for (int lane = 0; lane < L; lane++) {
            set[lane] = (lane & block) != 0;
        }
        return VectorMask.fromArray(F, set, 0);
    }

    /**
     * One level of a transpose: {@code x}'s lower blocks and, in place of its upper ones, {@code y}'s
     * lower blocks. One permute and one blend with constant operands a vector: the 8 x 8 transpose
     * ran at 0.11 ns a float at 256 bits and at 512, against 0.28 and 0.15 for {@code selectFrom}
     * on two vectors (which AVX2 lacks an instruction for) in three rounds of interleaving.
     */
    private static FloatVector lowBlocks(FloatVector x, FloatVector y, VectorShuffle<Float> swap,
                                         VectorMask<Float> upper) {
        return x.blend(y.rearrange(swap), upper);
    }

    /** {@code x}'s upper blocks, in place of {@code y}'s lower ones, and {@code y}'s upper blocks. */
    private static FloatVector highBlocks(FloatVector x, FloatVector y, VectorShuffle<Float> swap,
                                          VectorMask<Float> upper) {
        return x.rearrange(swap).blend(y, upper);
    }

    static Kernels create(MicroTile tile) {
        return switch (tile) {
            case ROWS_8 -> new VectorKernels8x2();
            case ROWS_4 -> new VectorKernels4x2();
        };
    }

    /** The width of this JVM's preferred vectors, in bits. */
    static int vectorBits() {
        return F.vectorBitSize();
    }

    /**
     * Whole vectors of the panel's width: B panels and the partial last one, whose lines are copied
     * a vector at a time and whose padding is stored as zero vectors; two steps a vector for A
     * panels half a vector wide (8 rows of 16-float vectors, 4 of 8-float ones). Copying a step with
     * arraycopy cost a tenth of the 256x784x128 GEMM.
     */
    @Override
    public void packSteps(float[] source, int from, int stepStride, int steps, int lines, float[] panel, int offset,
                          int width) {
        if (width % L == 0) {
            int whole = lines - lines % L;
            FloatVector zero = FloatVector.zero(F);
            for (int step = 0; step < steps; step++) {
                int at = from + step * stepStride;
                int to = offset + step * width;
                for (int line = 0; line < whole; line += L) {
                    FloatVector.fromArray(F, source, at + line).intoArray(panel, to + line);
                }
                // Padding first, then the last lines over it.
                for (int line = whole; line < width; line += L) {
                    zero.intoArray(panel, to + line);
                }
                for (int line = whole; line < lines; line++) {
                    panel[to + line] = source[at + line];
                }
            }
        } else if (2 * width == L && lines == width && PACK_VECTORS) {
            // Two steps a vector: a whole vector from where each begins, its lanes past the step
            // blended away, while the first step's vector ends inside the source.
            int pairs = steps - steps % 2;
            int step = 0;
            for (; step < pairs && from + step * stepStride + L <= source.length; step += 2) {
                int at = from + step * stepStride;
                FloatVector.fromArray(F, source, at).blend(FloatVector.fromArray(F, source, at + stepStride - width),
                        HIGH_HALF).intoArray(panel, offset + step * width);
            }
            for (; step < pairs; step += 2) {
                int at = from + step * stepStride;
                FloatVector first = FloatVector.fromArray(F, source, at, LOW_HALF);
                FloatVector second = FloatVector.fromArray(F, source, at + stepStride - width, HIGH_HALF);
                first.blend(second, HIGH_HALF).intoArray(panel, offset + step * width);
            }
            super.packSteps(source, from + pairs * stepStride, stepStride, steps - pairs, lines, panel,
                    offset + pairs * width, width);
        } else {
            super.packSteps(source, from, stepStride, steps, lines, panel, offset, width);
        }
    }

    /**
     * Eight lines at a time, and a panel of four lines, in blocks of eight steps transposed in
     * registers; the steps past the last whole block and the lines left are the scalar kernel's.
     */
    @Override
    public void packLines(float[] source, int from, int lineStride, int lines, int steps, float[] panel, int offset,
                          int width) {
        int blockSteps = PACK_VECTORS ? steps - steps % L : 0;
        boolean readsPast = from + (lines - 1) * lineStride + blockSteps + L <= source.length;
        if (width == 8 && steps - blockSteps >= 8 && readsPast) {
            // At 512 bits, a last block of eight steps alone, read as whole vectors reaching past it.
            blockSteps += 8;
        }
        int line = 0;
        for (; line + 8 <= lines; line += 8) {
            transposeEight(source, from + line * lineStride, lineStride, blockSteps, panel, offset + line, width);
        }
        if (width == 4 && lines == 4) {
            transposeFour(source, from, lineStride, blockSteps, panel, offset);
            line = 4;
        }
        super.packLines(source, from + blockSteps, lineStride, line, steps - blockSteps, panel,
                offset + blockSteps * width, width);
        super.packLines(source, from + line * lineStride, lineStride, lines - line, steps, panel, offset + line, width);
    }

    /**
     * An 8 x 8 transpose in registers per eight steps, one in each group of eight lanes ({@code steps}
     * a multiple of the vector's length, or of eight into panels eight wide), in two halves of four
     * steps each: steps 0-3 from lines 0-3, their steps 4-7 replaced by steps 0-3 of lines 4-7, then
     * steps 4-7 the other way round. Per half and vector of steps: eight loads, 24 permutes and
     * blends, four stores, where the scalar loop loads and stores each float on its own. At 512 bits
     * a vector holds two groups, bound for panel rows eight steps apart: stored under masks, or, in
     * panels eight wide, whose rows lie end to end, two rows' first groups as one vector and their
     * second groups as another. In one method, the masked stores took the compilation past the JIT's
     * node count for inlining, and its last stores boxed their vectors.
     */
    private static void transposeEight(float[] source, int from, int lineStride, int steps, float[] panel, int offset,
                                       int width) {
        int second = from + 4 * lineStride;
        int whole = steps - steps % L;
        if (whole > 0) {
            transposeHalf(source, from, second, lineStride, whole, UPPER_4, panel, offset, width);
            transposeHalf(source, second, from, lineStride, whole, LOWER_4, panel, offset + 4 * width, width);
        }
        if (whole < steps) {
            transposeLoneBlock(source, from + whole, lineStride, panel, offset + whole * width);
        }
    }

    /**
     * Four steps of each group of eight of {@link #transposeEight}: from lines {@code kept} to
     * {@code kept + 3}, their lanes that {@code movedBlocks} marks replaced by the lanes four away in
     * the same lines from {@code moved}.
     */
    private static void transposeHalf(float[] source, int kept, int moved, int lineStride, int steps,
                                      VectorMask<Float> movedBlocks, float[] panel, int offset, int width) {
        for (int step = 0; step < steps; step += L) {
            FloatVector a0 = lowBlocks(FloatVector.fromArray(F, source, kept + step),
                    FloatVector.fromArray(F, source, moved + step), SWAP_4, movedBlocks);
            FloatVector a1 = lowBlocks(FloatVector.fromArray(F, source, kept + step + lineStride),
                    FloatVector.fromArray(F, source, moved + step + lineStride), SWAP_4, movedBlocks);
            FloatVector a2 = lowBlocks(FloatVector.fromArray(F, source, kept + step + 2 * lineStride),
                    FloatVector.fromArray(F, source, moved + step + 2 * lineStride), SWAP_4, movedBlocks);
            FloatVector a3 = lowBlocks(FloatVector.fromArray(F, source, kept + step + 3 * lineStride),
                    FloatVector.fromArray(F, source, moved + step + 3 * lineStride), SWAP_4, movedBlocks);
            // Blocks of four exchanged as they load, then pairs, then singles.
            FloatVector b0 = lowBlocks(a0, a2, SWAP_2, UPPER_2);
            FloatVector b2 = highBlocks(a0, a2, SWAP_2, UPPER_2);
            FloatVector b1 = lowBlocks(a1, a3, SWAP_2, UPPER_2);
            FloatVector b3 = highBlocks(a1, a3, SWAP_2, UPPER_2);
            FloatVector c0 = lowBlocks(b0, b1, SWAP_1, UPPER_1);
            FloatVector c1 = highBlocks(b0, b1, SWAP_1, UPPER_1);
            FloatVector c2 = lowBlocks(b2, b3, SWAP_1, UPPER_1);
            FloatVector c3 = highBlocks(b2, b3, SWAP_1, UPPER_1);
            int to = offset + step * width;
            int blocks = 8 * width;
            if (L == 16 && width == 8) {
                // Rows of eight lie end to end: each vector takes two rows' first blocks, or their second.
                lowBlocks(c0, c1, SWAP_8, HIGH_HALF).intoArray(panel, to);
                highBlocks(c0, c1, SWAP_8, HIGH_HALF).intoArray(panel, to + blocks);
                lowBlocks(c2, c3, SWAP_8, HIGH_HALF).intoArray(panel, to + 2 * width);
                highBlocks(c2, c3, SWAP_8, HIGH_HALF).intoArray(panel, to + 2 * width + blocks);
            } else {
                storeBlocks(c0, panel, to, blocks);
                storeBlocks(c1, panel, to + width, blocks);
                storeBlocks(c2, panel, to + 2 * width, blocks);
                storeBlocks(c3, panel, to + 3 * width, blocks);
            }
        }
    }

    /**
     * A last block of eight steps alone, into a panel eight wide at 512 bits: the whole 8 x 8
     * transpose in one pass over the vectors' first groups, read as whole vectors reaching past the
     * block, and its rows stored two to a vector. In two halves, as whole vectors go, the block took
     * two calls, each waiting on its chain of permutes: 128x128x10:NN ran 10% slower than with
     * 8-float vectors.
     */
    private static void transposeLoneBlock(float[] source, int from, int lineStride, float[] panel, int offset) {
        FloatVector l0 = FloatVector.fromArray(F, source, from);
        FloatVector l1 = FloatVector.fromArray(F, source, from + lineStride);
        FloatVector l2 = FloatVector.fromArray(F, source, from + 2 * lineStride);
        FloatVector l3 = FloatVector.fromArray(F, source, from + 3 * lineStride);
        FloatVector l4 = FloatVector.fromArray(F, source, from + 4 * lineStride);
        FloatVector l5 = FloatVector.fromArray(F, source, from + 5 * lineStride);
        FloatVector l6 = FloatVector.fromArray(F, source, from + 6 * lineStride);
        FloatVector l7 = FloatVector.fromArray(F, source, from + 7 * lineStride);
        FloatVector a0 = lowBlocks(l0, l4, SWAP_4, UPPER_4);
        FloatVector a4 = highBlocks(l0, l4, SWAP_4, UPPER_4);
        FloatVector a1 = lowBlocks(l1, l5, SWAP_4, UPPER_4);
        FloatVector a5 = highBlocks(l1, l5, SWAP_4, UPPER_4);
        FloatVector a2 = lowBlocks(l2, l6, SWAP_4, UPPER_4);
        FloatVector a6 = highBlocks(l2, l6, SWAP_4, UPPER_4);
        FloatVector a3 = lowBlocks(l3, l7, SWAP_4, UPPER_4);
        FloatVector a7 = highBlocks(l3, l7, SWAP_4, UPPER_4);
        FloatVector b0 = lowBlocks(a0, a2, SWAP_2, UPPER_2);
        FloatVector b2 = highBlocks(a0, a2, SWAP_2, UPPER_2);
        FloatVector b1 = lowBlocks(a1, a3, SWAP_2, UPPER_2);
        FloatVector b3 = highBlocks(a1, a3, SWAP_2, UPPER_2);
        FloatVector b4 = lowBlocks(a4, a6, SWAP_2, UPPER_2);
        FloatVector b6 = highBlocks(a4, a6, SWAP_2, UPPER_2);
        FloatVector b5 = lowBlocks(a5, a7, SWAP_2, UPPER_2);
        FloatVector b7 = highBlocks(a5, a7, SWAP_2, UPPER_2);
        pairRows(lowBlocks(b0, b1, SWAP_1, UPPER_1), highBlocks(b0, b1, SWAP_1, UPPER_1), panel, offset);
        pairRows(lowBlocks(b2, b3, SWAP_1, UPPER_1), highBlocks(b2, b3, SWAP_1, UPPER_1), panel, offset + 16);
        pairRows(lowBlocks(b4, b5, SWAP_1, UPPER_1), highBlocks(b4, b5, SWAP_1, UPPER_1), panel, offset + 32);
        pairRows(lowBlocks(b6, b7, SWAP_1, UPPER_1), highBlocks(b6, b7, SWAP_1, UPPER_1), panel, offset + 48);
    }

    /** Two consecutive rows eight wide, the first groups of {@code first} and {@code second}, as one vector. */
    private static void pairRows(FloatVector first, FloatVector second, float[] panel, int to) {
        lowBlocks(first, second, SWAP_8, HIGH_HALF).intoArray(panel, to);
    }

    /**
     * Into a panel four lines wide (the A panels of the 4-row micro-tile) by the levels of
     * {@link #transposeEight} in the other order, which leave two steps of four lines in each group
     * of eight lanes: per vector of steps, four loads, 24 permutes and blends, four stores (or eight
     * under masks). The scalar loop took 0.31 ns a float, this 0.09-0.11, at 256 bits and at 512.
     */
    private static void transposeFour(float[] source, int from, int lineStride, int steps, float[] panel, int offset) {
        for (int step = 0; step < steps; step += L) {
            int at = from + step;
            FloatVector l0 = FloatVector.fromArray(F, source, at);
            FloatVector l1 = FloatVector.fromArray(F, source, at + lineStride);
            FloatVector l2 = FloatVector.fromArray(F, source, at + 2 * lineStride);
            FloatVector l3 = FloatVector.fromArray(F, source, at + 3 * lineStride);
            // Even steps of lines 0-1 and 2-3, then odd; then steps 0 and 4, 1 and 5, 2 and 6, 3 and 7.
            FloatVector a0 = lowBlocks(l0, l1, SWAP_1, UPPER_1);
            FloatVector a1 = highBlocks(l0, l1, SWAP_1, UPPER_1);
            FloatVector a2 = lowBlocks(l2, l3, SWAP_1, UPPER_1);
            FloatVector a3 = highBlocks(l2, l3, SWAP_1, UPPER_1);
            FloatVector b0 = lowBlocks(a0, a2, SWAP_2, UPPER_2);
            FloatVector b2 = highBlocks(a0, a2, SWAP_2, UPPER_2);
            FloatVector b1 = lowBlocks(a1, a3, SWAP_2, UPPER_2);
            FloatVector b3 = highBlocks(a1, a3, SWAP_2, UPPER_2);
            int to = offset + step * 4;
            storeBlocks(lowBlocks(b0, b1, SWAP_4, UPPER_4), panel, to, 32);
            storeBlocks(lowBlocks(b2, b3, SWAP_4, UPPER_4), panel, to + 8, 32);
            storeBlocks(highBlocks(b0, b1, SWAP_4, UPPER_4), panel, to + 16, 32);
            storeBlocks(highBlocks(b2, b3, SWAP_4, UPPER_4), panel, to + 24, 32);
        }
    }

    /**
     * Stores a transposed vector's groups of eight lanes: the first at {@code to}, the second (at 512
     * bits) {@code blocks} floats further on, where the panel's next eight steps begin.
     */
    private static void storeBlocks(FloatVector v, float[] panel, int to, int blocks) {
        if (L == 8) {
            v.intoArray(panel, to);
        } else {
            v.intoArray(panel, to, LOW_HALF);
            v.intoArray(panel, to + blocks - 8, HIGH_HALF);
        }
    }

    /**
     * Eight rows at a time: per k step, one load of the B panel per vector of columns, eight
     * broadcasts from A's rows and eight fused multiply-adds. Each element's sum runs the same fused
     * multiply-adds in k order, from zero, as in {@link #gemmTile}.
     */
    @Override
    public void gemmNarrow(int k, float[] a, int aOff, float[] panel, float[] c, int cOff, int rows,
                           int cols, float alpha, float beta, float[] tile) {
        if (L > NARROW) {
            super.gemmNarrow(k, a, aOff, panel, c, cOff, rows, cols, alpha, beta, tile);
            return;
        }
        if (2 * L == NARROW && cols > L) {
            gemmNarrowTwoVectors(k, a, aOff, panel, c, cOff, rows, cols, alpha, beta, tile);
            return;
        }
        for (int col = 0; col < cols; col += L) {
            int width = Math.min(L, cols - col);
            int r = 0;
            for (; r + 8 <= rows; r += 8) {
                int a0 = aOff + r * k;
                FloatVector s0 = FloatVector.zero(F);
                FloatVector s1 = s0;
                FloatVector s2 = s0;
                FloatVector s3 = s0;
                FloatVector s4 = s0;
                FloatVector s5 = s0;
                FloatVector s6 = s0;
                FloatVector s7 = s0;
                for (int p = 0; p < k; p++) {
                    FloatVector y = FloatVector.fromArray(F, panel, p * NARROW + col);
                    int at = a0 + p;
                    s0 = FloatVector.broadcast(F, a[at]).fma(y, s0);
                    s1 = FloatVector.broadcast(F, a[at + k]).fma(y, s1);
                    s2 = FloatVector.broadcast(F, a[at + 2 * k]).fma(y, s2);
                    s3 = FloatVector.broadcast(F, a[at + 3 * k]).fma(y, s3);
                    s4 = FloatVector.broadcast(F, a[at + 4 * k]).fma(y, s4);
                    s5 = FloatVector.broadcast(F, a[at + 5 * k]).fma(y, s5);
                    s6 = FloatVector.broadcast(F, a[at + 6 * k]).fma(y, s6);
                    s7 = FloatVector.broadcast(F, a[at + 7 * k]).fma(y, s7);
                }
                s0.intoArray(tile, 0);
                s1.intoArray(tile, L);
                s2.intoArray(tile, 2 * L);
                s3.intoArray(tile, 3 * L);
                s4.intoArray(tile, 4 * L);
                s5.intoArray(tile, 5 * L);
                s6.intoArray(tile, 6 * L);
                s7.intoArray(tile, 7 * L);
                storeTile(tile, L, c, cOff + r * cols + col, cols, 8, width, alpha, beta);
            }
            for (; r < rows; r++) {
                int a0 = aOff + r * k;
                FloatVector sum = FloatVector.zero(F);
                for (int p = 0; p < k; p++) {
                    sum = FloatVector.broadcast(F, a[a0 + p]).fma(FloatVector.fromArray(F, panel, p * NARROW + col), sum);
                }
                sum.intoArray(tile, 0);
                storeTile(tile, L, c, cOff + r * cols + col, cols, 1, width, alpha, beta);
            }
        }
    }

    /**
     * {@link #gemmNarrow} where op(B) is wider than one vector of eight floats (AVX2): both of the
     * panel's vectors in one pass over A, four rows at a time, eight sums as in the 4 x 2 tile.
     * Column by column, the step's 128x10x128 GEMM made a second pass over A for two columns, at
     * 0.76x OpenBLAS's Haswell kernels.
     */
    private static void gemmNarrowTwoVectors(int k, float[] a, int aOff, float[] panel, float[] c, int cOff,
                                             int rows, int cols, float alpha, float beta, float[] tile) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int a0 = aOff + r * k;
            FloatVector s00 = FloatVector.zero(F);
            FloatVector s01 = s00;
            FloatVector s10 = s00;
            FloatVector s11 = s00;
            FloatVector s20 = s00;
            FloatVector s21 = s00;
            FloatVector s30 = s00;
            FloatVector s31 = s00;
            for (int p = 0; p < k; p++) {
                FloatVector y0 = FloatVector.fromArray(F, panel, p * NARROW);
                FloatVector y1 = FloatVector.fromArray(F, panel, p * NARROW + L);
                int at = a0 + p;
                FloatVector x = FloatVector.broadcast(F, a[at]);
                s00 = x.fma(y0, s00);
                s01 = x.fma(y1, s01);
                x = FloatVector.broadcast(F, a[at + k]);
                s10 = x.fma(y0, s10);
                s11 = x.fma(y1, s11);
                x = FloatVector.broadcast(F, a[at + 2 * k]);
                s20 = x.fma(y0, s20);
                s21 = x.fma(y1, s21);
                x = FloatVector.broadcast(F, a[at + 3 * k]);
                s30 = x.fma(y0, s30);
                s31 = x.fma(y1, s31);
            }
            s00.intoArray(tile, 0);
            s01.intoArray(tile, L);
            s10.intoArray(tile, NARROW);
            s11.intoArray(tile, NARROW + L);
            s20.intoArray(tile, 2 * NARROW);
            s21.intoArray(tile, 2 * NARROW + L);
            s30.intoArray(tile, 3 * NARROW);
            s31.intoArray(tile, 3 * NARROW + L);
            storeTile(tile, NARROW, c, cOff + r * cols, cols, 4, cols, alpha, beta);
        }
        for (; r < rows; r++) {
            int a0 = aOff + r * k;
            FloatVector low = FloatVector.zero(F);
            FloatVector high = low;
            for (int p = 0; p < k; p++) {
                FloatVector x = FloatVector.broadcast(F, a[a0 + p]);
                low = x.fma(FloatVector.fromArray(F, panel, p * NARROW), low);
                high = x.fma(FloatVector.fromArray(F, panel, p * NARROW + L), high);
            }
            low.intoArray(tile, 0);
            high.intoArray(tile, L);
            storeTile(tile, NARROW, c, cOff + r * cols, cols, 1, cols, alpha, beta);
        }
    }

    /**
     * The function chosen once, each with its own loop in a method of its own. With one loop for
     * all, choosing the function per vector, a ReLU network's vectors were boxed at 256 bits
     * (16.8 MB a step of the wide network): the JIT had left tanh's code, never run, out of line,
     * and a vector that may reach a call must be an object. As two passes over each row (the sums,
     * then g), bias + ReLU took 12-23% longer; with all five loops in one method, 1.7x longer at
     * 256 bits, where the JIT kept the arrays on the stack and reloaded them at every vector.
     */
    @Override
    public void biasActivation(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff, int cols,
                               int from, int to, int colFrom, int colTo, Pointwise function, float slope) {
        // With colFrom a multiple of L, an element falls in the vector body or the scalar tail
        // just as it does when the block is the whole row.
        int bound = colFrom + F.loopBound(colTo - colFrom);
        switch (function) {
            case IDENTITY -> biasIdentity(z, zOff, bias, biasOff, out, outOff, cols, from, to, colFrom, bound);
            case SIGMOID -> biasSigmoid(z, zOff, bias, biasOff, out, outOff, cols, from, to, colFrom, bound);
            case TANH -> biasTanh(z, zOff, bias, biasOff, out, outOff, cols, from, to, colFrom, bound);
            case RELU -> biasRelu(z, zOff, bias, biasOff, out, outOff, cols, from, to, colFrom, bound);
            case LEAKY_RELU -> biasLeakyRelu(z, zOff, bias, biasOff, out, outOff, cols, from, to, colFrom, bound,
                    slope);
        }
        for (int r = from; r < to; r++) {
            biasActivationRow(z, zOff + r * cols, bias, biasOff, out, outOff + r * cols, bound, colTo, function,
                    slope);
        }
    }

    private static void biasIdentity(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff,
                                     int cols, int from, int to, int colFrom, int bound) {
        for (int r = from; r < to; r++) {
            for (int c = colFrom; c < bound; c += L) {
                addBias(z, zOff + r * cols + c, bias, biasOff + c).intoArray(out, outOff + r * cols + c);
            }
        }
    }

    private static void biasSigmoid(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff,
                                    int cols, int from, int to, int colFrom, int bound) {
        for (int r = from; r < to; r++) {
            for (int c = colFrom; c < bound; c += L) {
                sigmoid(addBias(z, zOff + r * cols + c, bias, biasOff + c)).intoArray(out, outOff + r * cols + c);
            }
        }
    }

    private static void biasTanh(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff,
                                 int cols, int from, int to, int colFrom, int bound) {
        for (int r = from; r < to; r++) {
            for (int c = colFrom; c < bound; c += L) {
                tanh(addBias(z, zOff + r * cols + c, bias, biasOff + c)).intoArray(out, outOff + r * cols + c);
            }
        }
    }

    private static void biasRelu(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff,
                                 int cols, int from, int to, int colFrom, int bound) {
        for (int r = from; r < to; r++) {
            for (int c = colFrom; c < bound; c += L) {
                FloatVector x = addBias(z, zOff + r * cols + c, bias, biasOff + c);
                FloatVector.zero(F).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, outOff + r * cols + c);
            }
        }
    }

    private static void biasLeakyRelu(float[] z, int zOff, float[] bias, int biasOff, float[] out, int outOff,
                                      int cols, int from, int to, int colFrom, int bound, float slope) {
        for (int r = from; r < to; r++) {
            for (int c = colFrom; c < bound; c += L) {
                FloatVector x = addBias(z, zOff + r * cols + c, bias, biasOff + c);
                x.mul(slope).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, outOff + r * cols + c);
            }
        }
    }

    /** {@code z += bias} at one vector of a row, returned: small enough that the JIT always inlines it. */
    private static FloatVector addBias(float[] z, int zAt, float[] bias, int biasAt) {
        FloatVector x = FloatVector.fromArray(F, z, zAt).add(FloatVector.fromArray(F, bias, biasAt));
        x.intoArray(z, zAt);
        return x;
    }

    /**
     * g' rounded step for step as {@link ScalarKernels} rounds it, so that the vector and scalar
     * paths give the same bits; one loop per function, as in {@link #biasActivation}. With the function
     * chosen inside the loop, by a method returning g' as a vector, a JVM that had trained a ReLU
     * network and then a tanh one boxed every vector: compiled on its own in between, that method
     * had grown too big to be inlined again.
     */
    @Override
    public void activationGradient(float[] delta, int deltaOff, float[] z, int zOff, float[] a, int aOff, int from,
                                   int to, Pointwise function, float slope) {
        int bound = from + F.loopBound(to - from);
        FloatVector one = FloatVector.broadcast(F, 1f);
        switch (function) {
            case IDENTITY -> {
                return;
            }
            case SIGMOID -> {
                for (int i = from; i < bound; i += L) {
                    FloatVector y = FloatVector.fromArray(F, a, aOff + i);
                    FloatVector.fromArray(F, delta, deltaOff + i).mul(y.mul(one.sub(y))).intoArray(delta, deltaOff + i);
                }
            }
            case TANH -> {
                for (int i = from; i < bound; i += L) {
                    FloatVector y = FloatVector.fromArray(F, a, aOff + i);
                    FloatVector.fromArray(F, delta, deltaOff + i).mul(one.sub(y).mul(one.add(y)))
                            .intoArray(delta, deltaOff + i);
                }
            }
            case RELU -> {
                for (int i = from; i < bound; i += L) {
                    VectorMask<Float> positive = FloatVector.fromArray(F, z, zOff + i).compare(VectorOperators.GT, 0f);
                    FloatVector.fromArray(F, delta, deltaOff + i).mul(FloatVector.zero(F).blend(one, positive))
                            .intoArray(delta, deltaOff + i);
                }
            }
            case LEAKY_RELU -> {
                FloatVector negativeSlope = FloatVector.broadcast(F, slope);
                for (int i = from; i < bound; i += L) {
                    VectorMask<Float> positive = FloatVector.fromArray(F, z, zOff + i).compare(VectorOperators.GT, 0f);
                    FloatVector.fromArray(F, delta, deltaOff + i).mul(negativeSlope.blend(one, positive))
                            .intoArray(delta, deltaOff + i);
                }
            }
        }
        super.activationGradient(delta, deltaOff, z, zOff, a, aOff, bound, to, function, slope);
    }

    /** As {@link ScalarKernels#sigmoid}: (x >= 0 ? 1 : e) / (1 + e) with e = e^-|x|. */
    private static FloatVector sigmoid(FloatVector x) {
        FloatVector e = expOfNonPositive(x.abs().neg());
        VectorMask<Float> nonNegative = x.compare(VectorOperators.GE, 0f);
        return e.blend(1f, nonNegative).div(e.add(1f));
    }

    /** tanh |x| with the sign of x put back, -0 included. */
    private static FloatVector tanh(FloatVector x) {
        FloatVector ax = x.abs();
        FloatVector e = expOfNonPositive(ax.mul(-2f));
        FloatVector far = e.neg().add(1f).div(e.add(1f));
        FloatVector x2 = ax.mul(ax);
        FloatVector series = x2.fma(T13, T11).fma(x2, FloatVector.broadcast(F, T9))
                .fma(x2, FloatVector.broadcast(F, T7)).fma(x2, FloatVector.broadcast(F, T5))
                .fma(x2, FloatVector.broadcast(F, T3));
        FloatVector near = ax.mul(x2).fma(series, ax);
        return far.blend(near, ax.compare(VectorOperators.LT, TANH_SERIES_LIMIT))
                .lanewise(VectorOperators.NEG, x.test(VectorOperators.IS_NEGATIVE));
    }

    /**
     * e^x for x <= 0, measured within 1.5 * 2^-24 relatively, from exactly rounded operations only.
     * The library's lanewise EXP is not used: its compiled (SVML) and interpreted forms differ in
     * the last bit, so results would change as the JIT warms up, breaking run-to-run determinism.
     */
    private static FloatVector expOfNonPositive(FloatVector x) {
        FloatVector clamped = x.max(EXP_FLOOR);
        FloatVector n = clamped.fma(LOG2_E, ROUND_TO_INTEGER).sub(ROUND_TO_INTEGER);
        FloatVector r = n.fma(FloatVector.broadcast(F, -LN2_HIGH), clamped);
        r = n.fma(FloatVector.broadcast(F, -LN2_LOW), r);
        FloatVector poly = r.fma(E7, E6).fma(r, FloatVector.broadcast(F, E5))
                .fma(r, FloatVector.broadcast(F, E4)).fma(r, FloatVector.broadcast(F, E3))
                .fma(r, FloatVector.broadcast(F, E2));
        FloatVector er = poly.fma(r.mul(r), r).add(1f);
        // 2^(n + 64) stays normal down to n = -150; the final exact-or-once-rounded scaling by 2^-64
        // produces the subnormal results.
        FloatVector scale = ((IntVector) n.convert(VectorOperators.F2I, 0))
                .add(127 + 64).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return er.mul(scale).mul(0x1p-64f);
    }

    @Override
    public double sumOfSquares(float[] x, int xOff, int from, int to) {
        DoubleVector low = DoubleVector.zero(D);
        DoubleVector high = low;
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + i);
            DoubleVector lowHalf = (DoubleVector) v.convert(VectorOperators.F2D, 0);
            DoubleVector highHalf = (DoubleVector) v.convert(VectorOperators.F2D, 1);
            low = lowHalf.fma(lowHalf, low);
            high = highHalf.fma(highHalf, high);
        }
        // Lanes in a fixed order: reduceLanes(ADD) leaves the order of its sum unspecified.
        double sum = 0;
        for (int lane = 0; lane < D.length(); lane++) {
            sum += low.lane(lane) + high.lane(lane);
        }
        return sum + super.sumOfSquares(x, xOff, i, to);
    }

    @Override
    public void addScaled(float[] target, int targetOff, float scale, float[] source, int sourceOff, int from,
                          int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector.fromArray(F, target, targetOff + i)
                    .add(FloatVector.fromArray(F, source, sourceOff + i).mul(scale)).intoArray(target, targetOff + i);
        }
        super.addScaled(target, targetOff, scale, source, sourceOff, i, to);
    }

    @Override
    public void momentum(float[] w, int wOff, float[] g, int gOff, float[] v, int vOff, float mu, float lr,
                         boolean nesterov, int from, int to) {
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector gradient = FloatVector.fromArray(F, g, gOff + i);
            FloatVector velocity = FloatVector.fromArray(F, v, vOff + i).mul(mu).sub(gradient.mul(lr));
            velocity.intoArray(v, vOff + i);
            FloatVector step = nesterov ? velocity.mul(mu).sub(gradient.mul(lr)) : velocity;
            FloatVector.fromArray(F, w, wOff + i).add(step).intoArray(w, wOff + i);
        }
        super.momentum(w, wOff, g, gOff, v, vOff, mu, lr, nesterov, i, to);
    }

    @Override
    public void adam(float[] w, int wOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                     float beta1, float beta2, float epsilon, float weightDecay, float lr, float c1, float c2,
                     int from, int to) {
        float oneMinusBeta1 = 1 - beta1;
        float oneMinusBeta2 = 1 - beta2;
        int i = from;
        for (int bound = from + F.loopBound(to - from); i < bound; i += L) {
            FloatVector gradient = FloatVector.fromArray(F, g, gOff + i);
            FloatVector first = FloatVector.fromArray(F, m, mOff + i).mul(beta1).add(gradient.mul(oneMinusBeta1));
            FloatVector second = FloatVector.fromArray(F, v, vOff + i).mul(beta2)
                    .add(gradient.mul(oneMinusBeta2).mul(gradient));
            first.intoArray(m, mOff + i);
            second.intoArray(v, vOff + i);
            FloatVector weights = FloatVector.fromArray(F, w, wOff + i);
            FloatVector step = first.mul(c1).div(second.mul(c2).sqrt().add(epsilon))
                    .add(weights.mul(weightDecay));
            weights.sub(step.mul(lr)).intoArray(w, wOff + i);
        }
        super.adam(w, wOff, g, gOff, m, mOff, v, vOff, beta1, beta2, epsilon, weightDecay, lr, c1, c2, i, to);
    }
}
