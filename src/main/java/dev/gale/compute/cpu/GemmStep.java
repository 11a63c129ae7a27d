package dev.gale.compute.cpu;

import dev.gale.compute.Op;
import java.util.Arrays;

/**
 * {@link Op.Gemm}, BLIS style. Operands are packed into panels laid out step by step along k, op(A)
 * in panels of {@code tileRows} rows and op(B) of {@code tileCols} columns, so that one
 * micro-kernel serves every transpose and streams both operands contiguously. A first pass packs
 * op(B), shared by all threads. A second splits C into bands of micro-tiles, one task each: the
 * thread that takes a band packs the band's rows of op(A) into its own region, unless it already
 * holds them, and multiplies. Within a band, k runs in blocks of {@link #DEPTH} so that a packed B
 * micro-panel stays in L1 while the band's A panels stream past it.
 *
 * <p>Every C element is summed over the same k blocks in the same order whatever band holds it,
 * and bands are aligned to micro-tiles, so results do not depend on the thread count.
 */
final class GemmStep implements Step {

    /**
     * An element-wise op on C that a plan runs right after the GEMM, applied here to each band as
     * soon as it is final: rows {@code [rowFrom, rowTo)}, columns {@code [colFrom, colTo)}, with
     * {@code colFrom} a multiple of the micro-tile's width. The band is still in this core's cache,
     * where a separate pass over C found half of it in the other core's (bias + ReLU after the
     * 128x128x256 GEMM: 2.4 us on one thread, 12.5 us on two).
     */
    @FunctionalInterface
    interface Epilogue {
        void apply(int rowFrom, int rowTo, int colFrom, int colTo);
    }

    /**
     * k per block. A B micro-panel (256 x 32 floats, 32 KiB) is reused from L1/L2 by every A panel
     * of the band; on Zen 4, 128 to 384 measured within a few percent of each other, 256 best.
     */
    private static final int DEPTH = 256;
    /**
     * Floats of a band's A panels for one k block, 96 rows of 256 (96 KiB): they stay in L2 while
     * the band's B micro-panels pass. Where k is short, a band holds more rows: split at 96 rows,
     * 128x128x10 ran as two bands, and on two threads at 45 GFLOP/s against 59 on one.
     */
    private static final int BAND_A_BLOCK = 96 * DEPTH;
    private static final int BAND_COLS = 1024;
    /**
     * Multiply-adds below which a band is not split further. Handing a task to a waiting worker
     * takes 0.3 us, but the worker must then fetch the band's operands from the other core's
     * cache: split in two, the step's 10x128x128 GEMM took 7.8 us on two threads, 5.7 on one.
     */
    private static final long MIN_BAND_WORK = 1 << 19;
    /**
     * Multiply-adds below which a GEMM packs op(B) in one task, which then stays in L1 or L2.
     * Its bands are no smaller than its cache blocks (one band each in the training step), so it
     * runs on one thread, beside the other ops of its stage.
     */
    private static final long SMALL = 2 * MIN_BAND_WORK;
    /**
     * Floats packed per packing task. Packing a transposed operand copies 8 floats per call, so
     * 32K floats took tens of microseconds, alone on one thread: at 8K, 128x256x128 on two threads
     * went from 77 to 71 us (TN) and from 66 to 57 us (NN), one thread unchanged.
     */
    private static final int PACK_GRAIN = 1 << 13;

    /**
     * Packing buffers shared by the GEMMs of one plan: op(B) for all threads, op(A) one buffer per
     * thread. GEMMs of one {@link Stage} run at once and pack into regions of their own; later
     * stages reuse the space.
     */
    static final class Packing {
        private final int threads;
        private int aLength;
        private int bLength;
        private int aUsed;
        private int bUsed;
        private float[][] a;
        private float[] b;

        Packing(int threads) {
            this.threads = threads;
        }

        /** Starts the regions of a new stage: what earlier stages packed is no longer needed. */
        void newStage() {
            aUsed = 0;
            bUsed = 0;
        }

        /** Reserves {@code floats} of each thread's packed op(A) in this stage; returns where they begin. */
        int reserveA(int floats) {
            aUsed = Math.addExact(aUsed, floats);
            aLength = Math.max(aLength, aUsed);
            return aUsed - floats;
        }

        /** Reserves {@code floats} of packed op(B) in the current stage; returns where they begin. */
        int reserveB(int floats) {
            bUsed = Math.addExact(bUsed, floats);
            bLength = Math.max(bLength, bUsed);
            return bUsed - floats;
        }

        void allocate() {
            a = new float[threads][aLength];
            b = new float[bLength];
        }
    }

    private final Kernels kernels;
    private final Packing packing;
    /** Where this GEMM's packed op(A) and op(B) begin in the packing buffers. */
    private final int aBase;
    private final int bBase;
    /**
     * Packed op(B) alternates between two regions of this size from run to run. Rewriting the
     * panels that both cores had just read waited for the other core's copies to be invalidated;
     * the run before last's have mostly left the caches. On two threads, the step's packing of W1
     * went from 49 to 36 us, of its input batch from 40 to 33.
     */
    private final int bSize;
    /** Which of the two regions this run packs op(B) into; flipped by {@link #finish}. */
    private int bRegion;
    private final float[] a;
    private final float[] b;
    private final float[] c;
    private final int m;
    private final int n;
    private final int k;
    private final float alpha;
    private final float beta;
    private final int tileRows;
    private final int tileCols;
    /** Where element (line, step) of op(A) is: {@code line * aLineStride + step * aStepStride}. */
    private final int aLineStride;
    private final int aStepStride;
    private final int bLineStride;
    private final int bStepStride;
    private final int rowTiles;
    private final int colTiles;
    private final int bPanelsPerTask;
    private final int packTasks;
    /** C's row tiles and column tiles split evenly into this many bands each. */
    private final int rowBands;
    private final int colBands;
    private final int bands;
    /**
     * Whether the micro-kernel reads B where it is, skipping its packing: in small GEMMs, not
     * narrow, whose op(B) rows are contiguous and split into whole micro-tiles. Packing B cost as much as the
     * multiply itself in the step's 10x128x128 and 128x128x10 GEMMs.
     */
    private final boolean unpackedB;
    /**
     * Whether C is computed by {@link Kernels#gemmNarrow}, in bands of {@code narrowRows} rows: for
     * op(B) at most {@link Kernels#NARROW} columns wide and A's rows running along k. At N = 10 a
     * 32-column micro-tile computed 22 columns of padding, after packing A about as slowly as it
     * multiplied; this packs only op(B), and reads A in place.
     */
    private final boolean narrow;
    private final int narrowRows;
    /** Whether the GEMM is below {@link #SMALL}. */
    private final boolean small;
    /** The packed op(B) of a narrow GEMM: {@link Kernels#NARROW} columns by k. */
    private final float[] narrowPanel;
    private final float[][] tiles;
    /**
     * The row band whose op(A) panels each thread holds in its region, or -1. A thread packs a
     * band's rows only for itself: where packed op(A) was shared, a thread rewriting panels that
     * the other core had read waited for that core's copies to be invalidated (packing the step's
     * 256x784x128 GEMM took 37 us on two threads after a two-thread multiply, 25 after a one-thread
     * one), and then half of its band's panels came from the other core.
     */
    private final int[] heldRowBand;
    private final Epilogue epilogue;

    /**
     * {@code threads} sizes the split of C: several bands per thread. {@code epilogue} may be
     * null.
     */
    GemmStep(Op.Gemm op, float[] a, float[] b, float[] c, Kernels kernels, int threads, Packing packing,
             Epilogue epilogue) {
        this.kernels = kernels;
        this.packing = packing;
        this.epilogue = epilogue;
        this.a = a;
        this.b = b;
        this.c = c;
        m = op.m();
        n = op.n();
        k = op.k();
        alpha = op.alpha();
        beta = op.beta();
        tileRows = kernels.tileRows();
        tileCols = kernels.tileCols();
        aLineStride = op.transposeA() ? 1 : k;
        aStepStride = op.transposeA() ? m : 1;
        bLineStride = op.transposeB() ? k : 1;
        bStepStride = op.transposeB() ? 1 : n;
        rowTiles = Math.ceilDiv(m, tileRows);
        colTiles = Math.ceilDiv(n, tileCols);
        narrow = !op.transposeA() && n <= Kernels.NARROW;
        small = (long) m * n * k < SMALL;
        unpackedB = !narrow && small && !op.transposeB() && n % tileCols == 0;
        narrowPanel = narrow ? new float[Math.multiplyExact(Kernels.NARROW, k)] : null;
        bSize = narrow || unpackedB ? 0 : Math.multiplyExact(colTiles * tileCols, k);
        bBase = narrow || unpackedB ? 0 : packing.reserveB(2 * bSize);
        bPanelsPerTask = Math.max(1, PACK_GRAIN / (tileCols * k));
        packTasks = narrow || small ? (unpackedB ? 0 : 1) : Math.ceilDiv(colTiles, bPanelsPerTask);
        // Several bands per thread, each worth a task, in whole blocks of eight rows.
        narrowRows = 8 * Math.ceilDiv(Math.max(Math.ceilDiv(m, 4 * threads),
                (int) Math.ceilDiv(MIN_BAND_WORK, (long) n * k)), 8);

        // Split the bands until every thread has several to take, while a band stays worth a task:
        // rows first, so that each band's op(A) rows are packed by one thread only.
        int bandRowTiles = Math.min(rowTiles, Math.max(1, BAND_A_BLOCK / (Math.min(k, DEPTH) * tileRows)));
        int bandColTiles = Math.min(colTiles, Math.max(1, BAND_COLS / tileCols));
        while (Math.ceilDiv(rowTiles, bandRowTiles) * Math.ceilDiv(colTiles, bandColTiles)
                < 4 * threads
                && (long) bandRowTiles * tileRows * bandColTiles * tileCols * k >= 2 * MIN_BAND_WORK
                && bandRowTiles * bandColTiles > 1) {
            if (bandRowTiles > 1) {
                bandRowTiles = Math.ceilDiv(bandRowTiles, 2);
            } else {
                bandColTiles = Math.ceilDiv(bandColTiles, 2);
            }
        }
        int rowBands = Math.ceilDiv(rowTiles, bandRowTiles);
        colBands = Math.ceilDiv(colTiles, bandColTiles);
        // Bands of equal size, as many for every thread: 1024^3 split 12 row tiles at a time
        // ended on one thread running six bands while the other ran five.
        while (rowBands * colBands > threads && rowBands * colBands % threads != 0 && rowBands < rowTiles) {
            rowBands++;
        }
        this.rowBands = rowBands;
        bands = narrow ? Math.ceilDiv(m, narrowRows) : rowBands * colBands;
        aBase = narrow ? 0 : packing.reserveA(Math.multiplyExact(Math.ceilDiv(rowTiles, rowBands) * tileRows, k));
        tiles = new float[threads][tileRows * tileCols];
        heldRowBand = new int[threads];
        Arrays.fill(heldRowBand, -1);
    }

    /** Packing op(B), then the bands of C. */
    @Override
    public int phases() {
        return 2;
    }

    @Override
    public int tasks(int phase) {
        return phase == 0 ? packTasks : bands;
    }

    @Override
    public void run(int phase, int task, int worker) {
        if (phase == 0) {
            pack(task);
        } else {
            multiply(task, worker);
        }
    }

    /** The next run packs op(A) anew, and op(B) into the other region. */
    @Override
    public void finish() {
        Arrays.fill(heldRowBand, -1);
        bRegion ^= 1;
    }

    private void pack(int task) {
        if (narrow) {
            packPanel(b, 0, n, bLineStride, bStepStride, narrowPanel, 0, Kernels.NARROW);
        } else if (small) {
            packB(0, colTiles);
        } else {
            int first = task * bPanelsPerTask;
            packB(first, Math.min(colTiles, first + bPanelsPerTask));
        }
    }

    /** Packs op(A)'s panels {@code [first, last)} into {@code worker}'s region, from its start. */
    private void packA(int first, int last, int worker) {
        for (int panel = first; panel < last; panel++) {
            int line = panel * tileRows;
            packPanel(a, line, Math.min(tileRows, m - line), aLineStride, aStepStride,
                    packing.a[worker], aBase + (panel - first) * tileRows * k, tileRows);
        }
    }

    /** Packs op(B)'s panels {@code [first, last)}. */
    private void packB(int first, int last) {
        for (int panel = first; panel < last; panel++) {
            int line = panel * tileCols;
            packPanel(b, line, Math.min(tileCols, n - line), bLineStride, bStepStride,
                    packing.b, bBase + bRegion * bSize + panel * tileCols * k, tileCols);
        }
    }

    /**
     * Copies {@code lines} lines of an operand, from {@code first} on, into one panel:
     * {@code panel[offset + step * width + line]}, zero-padding the lines up to {@code width} so
     * the micro-kernel can always run a full tile.
     */
    private void packPanel(float[] source, int first, int lines, int lineStride, int stepStride,
                           float[] panel, int offset, int width) {
        if (lineStride == 1) {
            // A step's lines are contiguous: one arraycopy each, which runs 3.5x faster than an
            // element loop over 32 floats (measured) and 1.6x faster over 8.
            for (int step = 0; step < k; step++) {
                System.arraycopy(source, step * stepStride + first, panel, offset + step * width, lines);
            }
        } else {
            // Lines are contiguous along k here: eight at a time, transposed by the kernels.
            int line = 0;
            for (; line + 8 <= lines; line += 8) {
                kernels.packEightLines(source, (first + line) * lineStride, lineStride, k, panel, offset + line, width);
            }
            for (; line < lines; line++) {
                int from = (first + line) * lineStride;
                for (int step = 0; step < k; step++) {
                    panel[offset + step * width + line] = source[from + step];
                }
            }
        }
        if (lines < width) {
            for (int step = 0; step < k; step++) {
                int row = offset + step * width;
                Arrays.fill(panel, row + lines, row + width, 0f);
            }
        }
    }

    private void multiply(int band, int worker) {
        if (narrow) {
            int row = band * narrowRows;
            int rows = Math.min(narrowRows, m - row);
            kernels.gemmNarrow(k, a, row * k, narrowPanel, c, row * n, rows, n, alpha, beta, tiles[worker]);
            if (epilogue != null) {
                epilogue.apply(row, row + rows, 0, n);
            }
            return;
        }
        int rowBand = band / colBands;
        int colBand = band % colBands;
        int firstRowTile = rowBand * rowTiles / rowBands;
        int lastRowTile = (rowBand + 1) * rowTiles / rowBands;
        int firstColTile = colBand * colTiles / colBands;
        int lastColTile = (colBand + 1) * colTiles / colBands;
        if (heldRowBand[worker] != rowBand) {
            packA(firstRowTile, lastRowTile, worker);
            heldRowBand[worker] = rowBand;
        }
        float[] packedA = packing.a[worker];
        float[] bRows = unpackedB ? b : packing.b;
        int bStride = unpackedB ? n : tileCols;
        int packedB = bBase + bRegion * bSize;
        float[] tile = tiles[worker];
        for (int step = 0; step < k; step += DEPTH) {
            int depth = Math.min(DEPTH, k - step);
            // Later k blocks add to what the earlier ones wrote.
            float blockBeta = step == 0 ? beta : 1f;
            for (int colTile = firstColTile; colTile < lastColTile; colTile++) {
                int col = colTile * tileCols;
                int bOffset = unpackedB ? step * n + col : packedB + (colTile * k + step) * tileCols;
                for (int rowTile = firstRowTile; rowTile < lastRowTile; rowTile++) {
                    int row = rowTile * tileRows;
                    int aOffset = aBase + ((rowTile - firstRowTile) * k + step) * tileRows;
                    kernels.gemmTile(depth, packedA, aOffset, bRows, bOffset, bStride, c, row * n + col, n,
                            Math.min(tileRows, m - row), Math.min(tileCols, n - col), alpha, blockBeta, tile);
                }
            }
        }
        if (epilogue != null) {
            epilogue.apply(firstRowTile * tileRows, Math.min(m, lastRowTile * tileRows), firstColTile * tileCols,
                    Math.min(n, lastColTile * tileCols));
        }
    }
}
