package dev.gale.compute.cpu;

import dev.gale.compute.Op;
import java.util.Arrays;

/**
 * {@link Op.Gemm}, BLIS style. Operands are packed into panels laid out step by step along k, op(A)
 * in panels of {@code tileRows} rows and op(B) of {@code tileCols} columns, so that one
 * micro-kernel serves every transpose and streams both operands contiguously.
 *
 * <p>A first phase packs op(B), shared by all threads. A second splits C into bands, one task
 * each. Within a band, k runs in blocks of {@link GemmBlocking#DEPTH}: each packed B micro-panel
 * of the block stays in L1 while the band's A panels stream past it from L2, and the band of C
 * stays in L2 from one k block to the next. {@link GemmBlocking} sizes the bands from the
 * machine's caches, and orders them so that the op(A) rows of a group of row bands and the B
 * panels of a column band are read again while they are in L3.
 *
 * <p>op(A) is packed by the thread that takes a band, into a region of its own, unless it already
 * holds the band's rows; where C has several column bands, a row band's op(A) is needed by as many
 * tasks, and is packed once in the first phase instead, shared. Where C has at most two row tiles,
 * each B panel would serve one or two micro-tiles, and copying op(B) cost as much as the multiply
 * (10x128x128): the micro-kernel reads op(B) where it is when its rows are contiguous and whole
 * micro-tiles wide, and otherwise each band packs a B micro-panel into a scratch of its own, in
 * L1, just before its micro-tiles use it. A small GEMM reads op(B) in place too, under the same
 * conditions, when a micro-panel's rows stay in L1 together (see {@link #stepsStayInL1}).
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
     * Packing buffers shared by the GEMMs of one plan: op(B), and op(A) where it is shared, for all
     * threads; op(A) one buffer per thread. GEMMs of one {@link Stage} run at once and pack into
     * regions of their own; later stages reuse the space.
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
    /** Where this GEMM's panels begin in each thread's own buffer: op(A), then a B micro-panel. */
    private final int ownA;
    private final int ownB;
    /**
     * Where op(A) is shared: where, in each thread's own buffer, a band's panels of the current k block
     * are copied before the band's first micro-tile reads them (see {@link #multiply}).
     */
    private final int ownBlockA;
    /** Where this GEMM's shared panels begin: op(B), then op(A) where it is shared. */
    private final int sharedBase;
    /**
     * The shared panels alternate between two regions of this size from run to run. Rewriting the
     * panels that both cores had just read waited for the other core's copies to be invalidated;
     * the run before last's have mostly left the caches. On two threads, the step's packing of W1
     * went from 49 to 36 us, of its input batch from 40 to 33.
     */
    private final int sharedSize;
    /** Where packed op(A) begins within a shared region, after op(B). */
    private final int sharedA;
    /** Which of the two regions this run packs into; flipped by {@link #finish}. */
    private int region;
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
    /** Packing tasks for op(B), then for op(A) where it is shared, each of this many panels. */
    private final int bPackTasks;
    private final int bPanelsPerTask;
    private final int aPackTasks;
    private final int aPanelsPerTask;
    /**
     * Where C has few row tiles (see the class comment): whether the micro-kernel reads op(B) in
     * place, or else each band packs its B micro-panels just before using them.
     */
    private final boolean bInPlace;
    private final boolean bOnTheFly;
    /** C's row tiles and column tiles split evenly into this many bands each. */
    private final int rowBands;
    private final int colBands;
    /** Row bands taken together across all column bands before the next ones (see {@link #multiply}). */
    private final int groupBands;
    private final int bands;
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

        // Split the bands until every thread has several to take, while a band stays worth a task:
        // rows first, so that each band's op(A) rows are packed by one thread only.
        int depth = Math.min(k, GemmBlocking.DEPTH);
        int bandRowTiles = Math.min(rowTiles, Math.max(1, blocking.bandRows(depth) / tileRows));
        int bandColTiles = Math.min(colTiles,
                Math.max(1, blocking.bandCols(bandRowTiles * tileRows, depth) / tileCols));
        while (Math.ceilDiv(rowTiles, bandRowTiles) * Math.ceilDiv(colTiles, bandColTiles) < 4 * threads
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
        groupBands = Math.min(rowBands, Math.max(1, blocking.groupRows(k) / (Math.ceilDiv(rowTiles, rowBands)
                * tileRows)));
        bands = narrow ? Math.ceilDiv(m, narrowRows) : rowBands * colBands;

        boolean fewRows = !narrow && rowTiles <= FEW_ROW_TILES;
        bInPlace = !narrow && !op.transposeB() && n % tileCols == 0
                && (fewRows || small && stepsStayInL1(n, Math.min(k, GemmBlocking.DEPTH), tileCols));
        bOnTheFly = fewRows && !bInPlace;
        boolean shareA = !narrow && colBands > 1;
        int packedB = narrow || fewRows || bInPlace ? 0 : Math.multiplyExact(colTiles * tileCols, k);
        sharedA = packedB;
        sharedSize = Math.addExact(packedB, shareA ? Math.multiplyExact(rowTiles * tileRows, k) : 0);
        sharedBase = packing.reserveShared(Math.multiplyExact(2, sharedSize));
        bPanelsPerTask = small ? colTiles : Math.max(1, PACK_GRAIN / (tileCols * k));
        bPackTasks = narrow ? 1 : packedB == 0 ? 0 : Math.ceilDiv(colTiles, bPanelsPerTask);
        aPanelsPerTask = small ? rowTiles : Math.max(1, PACK_GRAIN / (tileRows * k));
        aPackTasks = shareA ? Math.ceilDiv(rowTiles, aPanelsPerTask) : 0;
        int mostBandRows = Math.ceilDiv(rowTiles, rowBands) * tileRows;
        ownA = narrow || shareA ? 0 : packing.reserveOwn(Math.multiplyExact(mostBandRows, k));
        ownB = bOnTheFly ? packing.reserveOwn(depth * tileCols) : 0;
        ownBlockA = shareA ? packing.reserveOwn(Math.multiplyExact(mostBandRows, depth)) : 0;
        tiles = new float[threads][tileRows * tileCols];
        heldRowBand = new int[threads];
        Arrays.fill(heldRowBand, -1);
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

    /** Packing, then the bands of C. */
    @Override
    public int phases() {
        return 2;
    }

    @Override
    public int tasks(int phase) {
        return phase == 0 ? bPackTasks + aPackTasks : bands;
    }

    @Override
    public void run(int phase, int task, int worker) {
        if (phase == 1) {
            multiply(task, worker);
        } else if (narrow) {
            packPanel(b, bOff, 0, n, bLineStride, bStepStride, narrowPanel, 0, 0, 1, Kernels.NARROW);
        } else if (task < bPackTasks) {
            int first = task * bPanelsPerTask;
            for (int panel = first; panel < Math.min(colTiles, first + bPanelsPerTask); panel++) {
                for (int step = 0; step < k; step += GemmBlocking.DEPTH) {
                    packB(panel, step, packing.shared, regionStart() + packedAt(panel, colTiles, tileCols, step));
                }
            }
        } else {
            int first = (task - bPackTasks) * aPanelsPerTask;
            packA(first, Math.min(rowTiles, first + aPanelsPerTask), 0, rowTiles, packing.shared,
                    regionStart() + sharedA);
        }
    }

    private int regionStart() {
        return sharedBase + region * sharedSize;
    }

    /** The next run packs op(A) anew, and the shared panels into the other region. */
    @Override
    public void finish() {
        Arrays.fill(heldRowBand, -1);
        region ^= 1;
    }

    /**
     * Packs op(A)'s panels {@code [first, last)} as panels {@code first - origin} on of
     * {@code tiles}, at {@code base}.
     */
    private void packA(int first, int last, int origin, int tiles, float[] panels, int base) {
        for (int panel = first; panel < last; panel++) {
            int line = panel * tileRows;
            packPanel(a, aOff, line, Math.min(tileRows, m - line), aLineStride, aStepStride, panels, base,
                    panel - origin, tiles, tileRows);
        }
    }

    /** Packs the k block from {@code step} of op(B)'s panel {@code panel} at {@code offset}. */
    private void packB(int panel, int step, float[] panels, int offset) {
        int line = panel * tileCols;
        packSteps(b, bOff, line, Math.min(tileCols, n - line), bLineStride, bStepStride, step,
                Math.min(GemmBlocking.DEPTH, k - step), panels, offset, tileCols);
    }

    /**
     * Where step {@code step} of panel {@code tile} of {@code tiles}, each {@code width} wide,
     * begins in a packed operand. Panels are laid out k block by k block, so that the panels of
     * one k block are one stream in memory, which the hardware prefetcher follows from one
     * micro-tile to the next: split by panel first, a new A panel came from DRAM at each band's
     * first column tile, and such calls took 2.5x as long as the others (2048^3).
     */
    private int packedAt(int tile, int tiles, int width, int step) {
        int blockStep = step - step % GemmBlocking.DEPTH;
        int depth = Math.min(GemmBlocking.DEPTH, k - blockStep);
        return (blockStep * tiles + tile * depth) * width + (step - blockStep) * width;
    }

    /**
     * Copies {@code lines} lines of an operand that begins at {@code source[origin]}, from line
     * {@code first} on, into panel {@code tile} of {@code tiles} at {@code base}, all k blocks.
     */
    private void packPanel(float[] source, int origin, int first, int lines, int lineStride, int stepStride,
                           float[] panel, int base, int tile, int tiles, int width) {
        for (int step = 0; step < k; step += GemmBlocking.DEPTH) {
            packSteps(source, origin, first, lines, lineStride, stepStride, step,
                    Math.min(GemmBlocking.DEPTH, k - step), panel, base + packedAt(tile, tiles, width, step), width);
        }
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

    private void multiply(int band, int worker) {
        if (narrow) {
            int row = band * narrowRows;
            int rows = Math.min(narrowRows, m - row);
            kernels.gemmNarrow(k, a, aOff + row * k, narrowPanel, c, cOff + row * n, rows, n, alpha, beta,
                    tiles[worker]);
            if (epilogue != null) {
                epilogue.apply(row, row + rows, 0, n);
            }
            return;
        }
        // Groups of row bands, each across every column band, one column band at a time: the
        // threads' bands share a column band's B panels, and the group's op(A) rows stay in L3
        // for the next column band. Taken column band by column band without groups, 2048^3 ran
        // at 195 GFLOP/s on one thread, in groups of eight 128-row bands at 206.
        int perGroup = groupBands * colBands;
        int group = band / perGroup;
        int inGroup = band % perGroup;
        int groupSize = Math.min(groupBands, rowBands - group * groupBands);
        int rowBand = group * groupBands + inGroup % groupSize;
        int colBand = inGroup / groupSize;
        int firstRowTile = rowBand * rowTiles / rowBands;
        int lastRowTile = (rowBand + 1) * rowTiles / rowBands;
        int firstColTile = colBand * colTiles / colBands;
        int lastColTile = (colBand + 1) * colTiles / colBands;
        float[] own = packing.own[worker];
        float[] packedA;
        int aBase;
        int aTiles;
        int aOrigin;
        if (aPackTasks > 0) {
            packedA = packing.shared;
            aBase = regionStart() + sharedA;
            aTiles = rowTiles;
            aOrigin = 0;
        } else {
            packedA = own;
            aBase = ownA;
            aTiles = lastRowTile - firstRowTile;
            aOrigin = firstRowTile;
            if (heldRowBand[worker] != rowBand) {
                packA(firstRowTile, lastRowTile, aOrigin, aTiles, packedA, aBase);
                heldRowBand[worker] = rowBand;
            }
        }
        float[] packedB = bInPlace ? b : bOnTheFly ? own : packing.shared;
        int bStride = bInPlace ? n : tileCols;
        float[] tile = tiles[worker];
        for (int step = 0; step < k; step += GemmBlocking.DEPTH) {
            int depth = Math.min(GemmBlocking.DEPTH, k - step);
            // Later k blocks add to what the earlier ones wrote.
            float blockBeta = step == 0 ? beta : 1f;
            // A shared band's panels come from L3, or from the other core that packed them, and the
            // micro-tiles of its first column tile waited for each in turn; copied in one pass, they
            // arrive as one stream, into L2. 2048^3: 0-6% faster on one thread, 8-21% on two. A band's
            // panels of one k block lie one after another, in either layout (see packedAt).
            float[] blockA = packedA;
            int blockABase = aBase + packedAt(firstRowTile - aOrigin, aTiles, tileRows, step);
            if (aPackTasks > 0) {
                System.arraycopy(packedA, blockABase, own, ownBlockA, (lastRowTile - firstRowTile) * tileRows * depth);
                blockA = own;
                blockABase = ownBlockA;
            }
            for (int colTile = firstColTile; colTile < lastColTile; colTile++) {
                int col = colTile * tileCols;
                int bOffset;
                if (bInPlace) {
                    bOffset = bOff + step * n + col;
                } else if (bOnTheFly) {
                    packB(colTile, step, own, ownB);
                    bOffset = ownB;
                } else {
                    bOffset = regionStart() + packedAt(colTile, colTiles, tileCols, step);
                }
                for (int rowTile = firstRowTile; rowTile < lastRowTile; rowTile++) {
                    int row = rowTile * tileRows;
                    kernels.gemmTile(depth, blockA, blockABase + (rowTile - firstRowTile) * tileRows * depth,
                            packedB, bOffset, bStride, c, cOff + row * n + col, n, Math.min(tileRows, m - row),
                            Math.min(tileCols, n - col), alpha, blockBeta, tile);
                }
            }
        }
        if (epilogue != null) {
            epilogue.apply(firstRowTile * tileRows, Math.min(m, lastRowTile * tileRows), firstColTile * tileCols,
                    Math.min(n, lastColTile * tileCols));
        }
    }
}
