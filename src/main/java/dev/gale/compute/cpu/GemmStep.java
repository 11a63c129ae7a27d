package dev.gale.compute.cpu;

import dev.gale.compute.Op;
import java.util.Arrays;

/**
 * {@link Op.Gemm}, BLIS style. Operands are packed into panels laid out step by step along k, op(A)
 * in panels of {@code tileRows} rows and op(B) of {@code tileCols} columns, so that one
 * micro-kernel serves every transpose and streams both operands contiguously.
 *
 * <p>op(B) is packed in blocks: C's columns in column blocks, k in runs of whole k blocks
 * ({@link GemmBlocking#DEPTH} steps each), in BLIS's loop order, each column block run after run.
 * Each block is two phases: the threads pack it, shared, then split its columns of C into bands, one task
 * each, which pack their rows of op(A) for each k block into a region of their own and multiply.
 * Each packed B micro-panel stays in L1 while the band's A panels stream past it from L2. The
 * packed blocks are small ({@link GemmBlocking} sizes them from the machine's caches) and written
 * again and again at the same places, which the caches still hold: packed all at once before the
 * bands, op(A) and op(B) were 8 MiB written out past every cache at 1024^3, 9% of its time. A band's
 * C stays in L2 from one k block to the next within a block of op(B), and comes from L3 or
 * memory in the next.
 *
 * <p>Where C has at most two row tiles, each B panel would serve one or two micro-tiles, and copying
 * op(B) cost as much as the multiply (10x128x128): the micro-kernel reads op(B) where it is when its
 * rows are contiguous and whole micro-tiles wide, and otherwise each band packs a B micro-panel into
 * a scratch of its own, in L1, just before its micro-tiles use it. A small GEMM reads op(B) in place
 * too, under the same conditions, when a micro-panel's rows stay in L1 together (see
 * {@link #stepsStayInL1}). Such a GEMM packs no block of op(B), and each of its bands runs all k
 * blocks, its C staying in L2 from one to the next.
 *
 * <p>Every C element is summed over the same k blocks in the same order whatever band holds it,
 * and bands are aligned to micro-tiles, so results depend on neither the thread count, the
 * micro-tile nor the blocking: only on the depth, which is the same on every machine.
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
     * Multiply-adds below which a band is not split further. Handing a task to a waiting worker
     * takes 0.3 us, but the worker must then fetch the band's operands from the other core's
     * cache: split in two, the step's 10x128x128 GEMM took 7.8 us on two threads, 5.7 on one.
     */
    private static final long MIN_BAND_WORK = 1 << 19;
    /**
     * Multiply-adds below which a GEMM packs each operand in one task, which then stays in L1 or
     * L2. Its bands are no smaller than its cache blocks (one band each in the training step), so
     * it runs on one thread, beside the other ops of its stage.
     */
    private static final long SMALL = 2 * MIN_BAND_WORK;
    /**
     * Floats packed per packing task. Packing a transposed operand copies 8 floats per call, so
     * 32K floats took tens of microseconds, alone on one thread: at 8K, 128x256x128 on two threads
     * went from 77 to 71 us (TN) and from 66 to 57 us (NN), one thread unchanged.
     */
    private static final int PACK_GRAIN = 1 << 13;
    /** Row tiles up to which C packs its B micro-panels on the fly (see the class comment). */
    private static final int FEW_ROW_TILES = 2;
    /**
     * The L1 data cache as every x86 and ARM core of the last decade has it, indexed within a 4 KiB
     * page: 64 sets of 64-byte lines, 8 ways or more. A B micro-panel read in place may put at most
     * half of 8 ways' lines in one set, leaving the rest to A's panel and C's tile.
     */
    private static final int L1_SETS = 64;
    private static final int LINE_BYTES = 64;
    private static final int LINES_PER_SET = 4;

    /**
     * Packing buffers shared by the GEMMs of one plan: blocks of op(B), for all threads; op(A)'s
     * panels of a band, and B micro-panels packed on the fly, one buffer per thread. GEMMs of one
     * {@link Stage} run at once and pack into regions of their own; later stages reuse the space.
     */
    static final class Packing {
        private final int threads;
        private int ownLength;
        private int sharedLength;
        private int ownUsed;
        private int sharedUsed;
        private float[][] own;
        private float[] shared;

        Packing(int threads) {
            this.threads = threads;
        }

        /** Starts the regions of a new stage: what earlier stages packed is no longer needed. */
        void newStage() {
            ownUsed = 0;
            sharedUsed = 0;
        }

        /** Reserves {@code floats} of each thread's own buffer in this stage; returns where they begin. */
        int reserveOwn(int floats) {
            ownUsed = Math.addExact(ownUsed, floats);
            ownLength = Math.max(ownLength, ownUsed);
            return ownUsed - floats;
        }

        /** Reserves {@code floats} of the shared buffer in the current stage; returns where they begin. */
        int reserveShared(int floats) {
            sharedUsed = Math.addExact(sharedUsed, floats);
            sharedLength = Math.max(sharedLength, sharedUsed);
            return sharedUsed - floats;
        }

        void allocate() {
            own = new float[threads][ownLength];
            shared = new float[sharedLength];
        }
    }

    private final Kernels kernels;
    private final Packing packing;
    private final float[] a;
    private final float[] b;
    private final float[] c;
    /** Where A, B and C begin in their arrays: each may be a slice of a larger buffer. */
    private final int aOff;
    private final int bOff;
    private final int cOff;
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
    /**
     * Where C has few row tiles (see the class comment): whether the micro-kernel reads op(B) in
     * place, or else each band packs its B micro-panels just before using them.
     */
    private final boolean bInPlace;
    private final boolean bOnTheFly;
    /**
     * Whether op(B) is packed block by block, each block two phases; otherwise one phase of bands,
     * each over all of k.
     */
    private final boolean blocked;
    /** Steps of k in each block of op(B) (whole k blocks), and how many such runs k has. */
    private final int blockSteps;
    private final int stepBlocks;
    /** Column tiles of a column block (the last may have fewer): all of C's where it is not blocked. */
    private final int blockColTiles;
    private final int colBlocks;
    /** B panels each packing task of a block packs. */
    private final int bPanelsPerTask;
    /** A column block's row tiles and column tiles split evenly into this many bands each. */
    private final int rowBands;
    private final int colBands;
    private final int bands;
    /**
     * Where the regions of packed B blocks begin in the shared buffer, their size, and how many there
     * are. Where a block fits in L2, blocks alternate between two regions, from run to run too:
     * packing a block into the region the bands of both cores had just read waited for the other
     * core's copies to be invalidated (the training step's packing of W1 on two threads: 49 us in one
     * region, 36 in two). A larger block has mostly left the other core's L2 by then, and a second
     * region only doubled what L3 holds: 2048^3 on two threads ran 2-8% faster in one (three pairs).
     */
    private final int sharedB;
    private final int blockSize;
    private final int regions;
    /** The region of this run's first block; its block j is in region {@code (firstRegion + j) % regions}. */
    private int firstRegion;
    /** Where a band's A panels of one k block begin in each thread's buffer, and a B micro-panel packed on the fly. */
    private final int ownA;
    private final int ownB;
    /**
     * Whether C is computed by {@link Kernels#gemmNarrow}, in bands of {@code narrowRows} rows: for
     * op(B) at most {@link Kernels#NARROW} columns wide and A's rows running along k. At N = 10 a
     * 32-column micro-tile computed 22 columns of padding, after packing A about as slowly as it
     * multiplied; this packs only op(B), and reads A in place.
     */
    private final boolean narrow;
    private final int narrowRows;
    /** The packed op(B) of a narrow GEMM: {@link Kernels#NARROW} columns by k. */
    private final float[] narrowPanel;
    private final float[][] tiles;
    private final Epilogue epilogue;

    /**
     * {@code threads} sizes the split of C: several bands per thread. {@code epilogue} may be
     * null.
     */
    GemmStep(Op.Gemm op, float[] a, float[] b, float[] c, Kernels kernels, GemmBlocking blocking, int threads,
             Packing packing, Epilogue epilogue) {
        this.kernels = kernels;
        this.packing = packing;
        this.epilogue = epilogue;
        this.a = a;
        this.b = b;
        this.c = c;
        this.aOff = op.a().offset();
        this.bOff = op.b().offset();
        this.cOff = op.c().offset();
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
        boolean small = (long) m * n * k < SMALL;
        narrowPanel = narrow ? new float[Math.multiplyExact(Kernels.NARROW, k)] : null;
        // Several bands per thread, each worth a task, in whole blocks of eight rows.
        narrowRows = 8 * Math.ceilDiv(Math.max(Math.ceilDiv(m, 4 * threads),
                (int) Math.ceilDiv(MIN_BAND_WORK, (long) n * k)), 8);

        int depth = Math.min(k, GemmBlocking.DEPTH);
        boolean fewRows = !narrow && rowTiles <= FEW_ROW_TILES;
        bInPlace = !narrow && !op.transposeB() && n % tileCols == 0
                && (fewRows || small && stepsStayInL1(n, depth, tileCols));
        bOnTheFly = fewRows && !bInPlace;
        blocked = !narrow && !fewRows && !bInPlace;
        blockColTiles = blocked ? Math.min(colTiles, Math.max(1, blocking.blockCols(depth) / tileCols)) : colTiles;
        colBlocks = Math.ceilDiv(colTiles, blockColTiles);
        blockSteps = blocked ? Math.min(k, blocking.blockSteps(blockColTiles * tileCols)) : k;
        stepBlocks = Math.ceilDiv(k, blockSteps);

        // Split a column block into bands until every thread has several to take, while a band stays
        // worth a task: rows first, since each column band packs the same op(A) rows again.
        int bandRowTiles = Math.min(rowTiles, Math.max(1, blocking.bandRows(depth) / tileRows));
        int bandColTiles = blocked ? blockColTiles : Math.min(colTiles,
                Math.max(1, blocking.bandCols(bandRowTiles * tileRows, depth) / tileCols));
        while (Math.ceilDiv(rowTiles, bandRowTiles) * Math.ceilDiv(blockColTiles, bandColTiles) < 4 * threads
                && (long) bandRowTiles * tileRows * bandColTiles * tileCols * blockSteps >= 2 * MIN_BAND_WORK
                && bandRowTiles * bandColTiles > 1) {
            if (bandRowTiles > 1) {
                bandRowTiles = Math.ceilDiv(bandRowTiles, 2);
            } else {
                bandColTiles = Math.ceilDiv(bandColTiles, 2);
            }
        }
        int rowBands = Math.ceilDiv(rowTiles, bandRowTiles);
        colBands = Math.ceilDiv(blockColTiles, bandColTiles);
        // Bands of equal size, as many for every thread: 1024^3 split 12 row tiles at a time
        // ended on one thread running six bands while the other ran five.
        while (rowBands * colBands > threads && rowBands * colBands % threads != 0 && rowBands < rowTiles) {
            rowBands++;
        }
        this.rowBands = rowBands;
        bands = narrow ? Math.ceilDiv(m, narrowRows) : rowBands * colBands;

        blockSize = blocked ? Math.multiplyExact(blockColTiles * tileCols, blockSteps) : 0;
        regions = (long) blockSize * Float.BYTES <= blocking.l2() ? 2 : 1;
        sharedB = packing.reserveShared(Math.multiplyExact(regions, blockSize));
        bPanelsPerTask = small ? blockColTiles : Math.max(1, PACK_GRAIN / (tileCols * blockSteps));
        int mostBandRows = Math.ceilDiv(rowTiles, rowBands) * tileRows;
        ownA = narrow ? 0 : packing.reserveOwn(Math.multiplyExact(mostBandRows, depth));
        ownB = bOnTheFly ? packing.reserveOwn(depth * tileCols) : 0;
        tiles = new float[threads][tileRows * tileCols];
    }

    /**
     * Whether {@code steps} rows of op(B), {@code n} floats apart, {@code cols} floats of each, stay
     * in L1 together while the micro-tiles of a small GEMM read them in place: no L1 set holds more
     * than {@link #LINES_PER_SET} of their lines, wherever the rows begin. Packing op(B) took a
     * tenth of the step's 128x128x10 GEMM; rows 2 KiB apart (n = 512), 8 lines to a set, ran
     * 64x512x16 up to 9% slower in place than packed.
     */
    static boolean stepsStayInL1(int n, int steps, int cols) {
        int[] lines = new int[L1_SETS];
        for (long step = 0; step < steps; step++) {
            long first = step * n * Float.BYTES / LINE_BYTES;
            // One line more than the row's bytes need, for a row that does not begin a line.
            long last = ((step * n + cols) * Float.BYTES) / LINE_BYTES;
            for (long line = first; line <= last; line++) {
                if (++lines[(int) (line % L1_SETS)] > LINES_PER_SET) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Blocked: packing a B block, then its bands, for each block. Narrow: packing op(B), then the
     * bands. Otherwise the bands alone.
     */
    @Override
    public int phases() {
        return blocked ? 2 * colBlocks * stepBlocks : narrow ? 2 : 1;
    }

    @Override
    public int tasks(int phase) {
        if (narrow && phase == 0) {
            return 1;
        }
        if (blocked && phase % 2 == 0) {
            return Math.ceilDiv(blockTiles(phase / 2 / stepBlocks), bPanelsPerTask);
        }
        return bands;
    }

    @Override
    public void run(int phase, int task, int worker) {
        if (narrow) {
            if (phase == 0) {
                packSteps(b, bOff, 0, n, bLineStride, bStepStride, 0, k, narrowPanel, 0, Kernels.NARROW);
            } else {
                multiplyNarrow(task, worker);
            }
            return;
        }
        if (!blocked) {
            multiply(task, worker, 0, 0, k, 0);
            return;
        }
        int block = phase / 2;
        int colBlock = block / stepBlocks;
        int from = block % stepBlocks * blockSteps;
        int to = Math.min(k, from + blockSteps);
        int region = sharedB + (firstRegion + block) % regions * blockSize;
        if (phase % 2 == 0) {
            packBlock(colBlock, from, to, task, region);
        } else {
            multiply(task, worker, colBlock, from, to, region);
        }
    }

    /** The next run's blocks continue the alternation of regions. */
    @Override
    public void finish() {
        firstRegion = (firstRegion + colBlocks * stepBlocks) % regions;
    }

    /** Column tiles of column block {@code colBlock}. */
    private int blockTiles(int colBlock) {
        return Math.min(blockColTiles, colTiles - colBlock * blockColTiles);
    }

    /** Packs task {@code task}'s panels of column block {@code colBlock}'s B block of steps {@code [from, to)}. */
    private void packBlock(int colBlock, int from, int to, int task, int region) {
        int first = task * bPanelsPerTask;
        for (int panel = first; panel < Math.min(blockTiles(colBlock), first + bPanelsPerTask); panel++) {
            for (int step = from; step < to; step += GemmBlocking.DEPTH) {
                packB(colBlock * blockColTiles + panel, step, packing.shared, region + blockOffset(panel, from, step));
            }
        }
    }

    /**
     * Where, in the B block of steps from {@code from}, panel {@code panel}'s k block from {@code step}
     * begins. The block is laid out k block by k block, each the panels one after another, so that
     * the panels of one k block are one stream in memory, which the hardware prefetcher follows from
     * one micro-tile to the next.
     */
    private int blockOffset(int panel, int from, int step) {
        return ((step - from) * blockColTiles + panel * Math.min(GemmBlocking.DEPTH, k - step)) * tileCols;
    }

    /** Packs {@code depth} steps from {@code step} of op(A)'s panels {@code [first, last)}, one after another. */
    private void packA(int first, int last, int step, int depth, float[] panels, int base) {
        for (int panel = first; panel < last; panel++) {
            int line = panel * tileRows;
            packSteps(a, aOff, line, Math.min(tileRows, m - line), aLineStride, aStepStride, step, depth, panels,
                    base + (panel - first) * tileRows * depth, tileRows);
        }
    }

    /** Packs the k block from {@code step} of op(B)'s panel {@code panel} at {@code offset}. */
    private void packB(int panel, int step, float[] panels, int offset) {
        int line = panel * tileCols;
        packSteps(b, bOff, line, Math.min(tileCols, n - line), bLineStride, bStepStride, step,
                Math.min(GemmBlocking.DEPTH, k - step), panels, offset, tileCols);
    }

    /**
     * Copies steps {@code [step, step + steps)} of {@code lines} lines of an operand that begins at
     * {@code source[origin]}, from line {@code first} on, to {@code panel[offset + s * width + line]},
     * zero-padding the lines up to {@code width} so the micro-kernel can always run a full tile.
     */
    private void packSteps(float[] source, int origin, int first, int lines, int lineStride, int stepStride,
                           int step, int steps, float[] panel, int offset, int width) {
        if (lineStride == 1) {
            kernels.packSteps(source, origin + step * stepStride + first, stepStride, steps, lines, panel, offset,
                    width);
            return;
        }
        // Lines are contiguous along k here: transposed by the kernels.
        kernels.packLines(source, origin + first * lineStride + step, lineStride, lines, steps, panel, offset, width);
        if (lines < width) {
            for (int s = 0; s < steps; s++) {
                int row = offset + s * width;
                Arrays.fill(panel, row + lines, row + width, 0f);
            }
        }
    }

    private void multiplyNarrow(int band, int worker) {
        int row = band * narrowRows;
        int rows = Math.min(narrowRows, m - row);
        kernels.gemmNarrow(k, a, aOff + row * k, narrowPanel, c, cOff + row * n, rows, n, alpha, beta,
                tiles[worker]);
        if (epilogue != null) {
            epilogue.apply(row, row + rows, 0, n);
        }
    }

    /**
     * Band {@code band} of column block {@code colBlock}, over the k blocks of steps
     * {@code [from, to)}, reading packed op(B) from {@code region} where it is blocked.
     */
    private void multiply(int band, int worker, int colBlock, int from, int to, int region) {
        int rowBand = band % rowBands;
        int colBand = band / rowBands;
        int firstRowTile = rowBand * rowTiles / rowBands;
        int lastRowTile = (rowBand + 1) * rowTiles / rowBands;
        int blockFirst = colBlock * blockColTiles;
        int tilesOfBlock = blockTiles(colBlock);
        int firstColTile = blockFirst + colBand * tilesOfBlock / colBands;
        int lastColTile = blockFirst + (colBand + 1) * tilesOfBlock / colBands;
        if (firstColTile == lastColTile) {
            return;
        }
        float[] own = packing.own[worker];
        float[] packedB = bInPlace ? b : bOnTheFly ? own : packing.shared;
        int bStride = bInPlace ? n : tileCols;
        float[] tile = tiles[worker];
        for (int step = from; step < to; step += GemmBlocking.DEPTH) {
            int depth = Math.min(GemmBlocking.DEPTH, k - step);
            // Later k blocks add to what the earlier ones wrote.
            float blockBeta = step == 0 ? beta : 1f;
            packA(firstRowTile, lastRowTile, step, depth, own, ownA);
            for (int colTile = firstColTile; colTile < lastColTile; colTile++) {
                int col = colTile * tileCols;
                int bOffset;
                if (bInPlace) {
                    bOffset = bOff + step * n + col;
                } else if (bOnTheFly) {
                    packB(colTile, step, own, ownB);
                    bOffset = ownB;
                } else {
                    bOffset = region + blockOffset(colTile - blockFirst, from, step);
                }
                for (int rowTile = firstRowTile; rowTile < lastRowTile; rowTile++) {
                    int row = rowTile * tileRows;
                    kernels.gemmTile(depth, own, ownA + (rowTile - firstRowTile) * tileRows * depth,
                            packedB, bOffset, bStride, c, cOff + row * n + col, n, Math.min(tileRows, m - row),
                            Math.min(tileCols, n - col), alpha, blockBeta, tile);
                }
            }
        }
        if (epilogue != null && to == k) {
            epilogue.apply(firstRowTile * tileRows, Math.min(m, lastRowTile * tileRows), firstColTile * tileCols,
                    Math.min(n, lastColTile * tileCols));
        }
    }
}
