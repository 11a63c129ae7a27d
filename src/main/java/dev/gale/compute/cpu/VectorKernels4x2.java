package dev.gale.compute.cpu;

import jdk.incubator.vector.FloatVector;

/**
 * The GEMM micro-kernel for machines with 16 vector registers (AVX2): a tile of 4 rows by 2
 * vectors, 8 sums. Measured at {@code -XX:UseAVX=2}, 256-bit vectors, operands in L1: 87-93% of the
 * FMA peak on different days, and 3 x 3 (9 sums) within a point of it on the same day. 6 x 2, 4 x 3,
 * 3 x 4 and 8 x 2 spilled sums to the stack, the JIT holding up to three broadcasts of A at once:
 * 8 x 2 ran at 57% (the one kernel for every machine before), 6 x 2 at 49%. 5 x 2 spilled too with
 * this kernel's branch for short tiles (42%) and ran at 93-94% without it, but inside the GEMM it was
 * 1% faster at 1024^3, and slower where it packs A's 5-row panels float by float; with those panels
 * transposed in registers, 2-3% faster at 1024^3 and 2-5% slower on the step's NT and TN GEMMs.
 */
final class VectorKernels4x2 extends VectorKernels {

    private static final int TILE_ROWS = 4;
    private static final int TILE_COLS = 2 * L;

    VectorKernels4x2() {
        super(TILE_ROWS, TILE_COLS);
    }

    /**
     * Per k step: 2 loads of B, 4 broadcasts of A, 8 fused multiply-adds, whatever the tile's height:
     * a short last row tile runs on A's zero-padded rows and stores only its own. Each sum runs the
     * same fused multiply-adds in k order from zero, so every micro-tile computes the same bits.
     *
     * <p>The top half alone would run no faster: its 4 sums, one multiply-add each per step, wait on
     * the multiply-add's latency (4 or 5 cycles) where the 8 of a whole tile keep two units busy. And the
     * branch for it cost the whole loop: in a JVM that also ran short tiles (the training step's),
     * the JIT, short of general registers, kept B's address in a vector register (HotSpot spills to
     * those) that the loop also loaded B into, and moved it out and back at every step, a chain of
     * two moves between the register files. The 784-1024-1024-10 step took 90-94 ms on one thread
     * with the branch, 48-50 without.
     */
    @Override
    public void gemmTile(int kc, float[] a, int aOff, float[] b, int bOff, int bStride, float[] c, int cOff,
                         int ldc, int rows, int cols, float alpha, float beta, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        for (int p = 0, ap = aOff, bp = bOff; p < kc; p++, ap += TILE_ROWS, bp += bStride) {
            FloatVector b0 = FloatVector.fromArray(F, b, bp);
            FloatVector b1 = FloatVector.fromArray(F, b, bp + L);
            FloatVector av = FloatVector.broadcast(F, a[ap]);
            c00 = av.fma(b0, c00);
            c01 = av.fma(b1, c01);
            av = FloatVector.broadcast(F, a[ap + 1]);
            c10 = av.fma(b0, c10);
            c11 = av.fma(b1, c11);
            av = FloatVector.broadcast(F, a[ap + 2]);
            c20 = av.fma(b0, c20);
            c21 = av.fma(b1, c21);
            av = FloatVector.broadcast(F, a[ap + 3]);
            c30 = av.fma(b0, c30);
            c31 = av.fma(b1, c31);
        }
        if (cols == TILE_COLS) {
            // Straight from the registers, rounded as storeTile rounds: spilling the sums to the tile first
            // cost 3% at 2048^3, 14% at 128x128x10.
            boolean add = beta != 0;
            int at0 = cOff;
            FloatVector s00 = c00.mul(alpha);
            FloatVector s01 = c01.mul(alpha);
            if (add) {
                s00 = s00.add(FloatVector.fromArray(F, c, at0).mul(beta));
                s01 = s01.add(FloatVector.fromArray(F, c, at0 + L).mul(beta));
            }
            s00.intoArray(c, at0);
            s01.intoArray(c, at0 + L);
            if (rows > 1) {
                int at1 = cOff + ldc;
                FloatVector s10 = c10.mul(alpha);
                FloatVector s11 = c11.mul(alpha);
                if (add) {
                    s10 = s10.add(FloatVector.fromArray(F, c, at1).mul(beta));
                    s11 = s11.add(FloatVector.fromArray(F, c, at1 + L).mul(beta));
                }
                s10.intoArray(c, at1);
                s11.intoArray(c, at1 + L);
            }
            if (rows > 2) {
                int at2 = cOff + 2 * ldc;
                FloatVector s20 = c20.mul(alpha);
                FloatVector s21 = c21.mul(alpha);
                if (add) {
                    s20 = s20.add(FloatVector.fromArray(F, c, at2).mul(beta));
                    s21 = s21.add(FloatVector.fromArray(F, c, at2 + L).mul(beta));
                }
                s20.intoArray(c, at2);
                s21.intoArray(c, at2 + L);
            }
            if (rows > 3) {
                int at3 = cOff + 3 * ldc;
                FloatVector s30 = c30.mul(alpha);
                FloatVector s31 = c31.mul(alpha);
                if (add) {
                    s30 = s30.add(FloatVector.fromArray(F, c, at3).mul(beta));
                    s31 = s31.add(FloatVector.fromArray(F, c, at3 + L).mul(beta));
                }
                s30.intoArray(c, at3);
                s31.intoArray(c, at3 + L);
            }
            return;
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, TILE_COLS);
        c11.intoArray(tile, TILE_COLS + L);
        c20.intoArray(tile, 2 * TILE_COLS);
        c21.intoArray(tile, 2 * TILE_COLS + L);
        c30.intoArray(tile, 3 * TILE_COLS);
        c31.intoArray(tile, 3 * TILE_COLS + L);
        storeTile(tile, TILE_COLS, c, cOff, ldc, rows, cols, alpha, beta);
    }
}
