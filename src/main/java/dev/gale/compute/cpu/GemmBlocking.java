package dev.gale.compute.cpu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How {@link GemmStep} blocks a GEMM for the caches of the machine it runs on, from the sizes the
 * operating system reports. Only the depth, which fixes how each C element is rounded, is the
 * same everywhere; everything here changes where and when a sum is computed, never its value.
 *
 * @param l2 bytes of one core's L2 cache
 * @param l3 bytes of the last-level cache shared by the cores that run the pool, 0 if there is none
 * @param l2Known whether l2 is the operating system's report or an option's, not {@link #FALLBACK}'s
 * @param l3Known the same for l3
 */
record GemmBlocking(long l2, long l3, boolean l2Known, boolean l3Known) {

    /** Sizes that are known: reported by the operating system or set by an option. */
    GemmBlocking(long l2, long l3) {
        this(l2, l3, true, true);
    }

    /**
     * k per block: each C element is rounded to float once per block. A packed B micro-panel of one
     * block, 256 x 32 floats (32 KiB), stays in L1 while A panels stream past it; on Zen 4, 128
     * to 384 measured within a few percent of each other.
     */
    static final int DEPTH = 256;
    /** Where the kernel exports cache sizes (Linux). */
    private static final Path CACHES = Path.of("/sys/devices/system/cpu/cpu0/cache");
    /**
     * Used where the system does not say (macOS, Windows, and Linux virtual machines whose kernel
     * exports no cache directory): a common size for x86 and ARM cores of the last ten years, on
     * the small side, since too small blocks cost a few percent and too large ones much more.
     */
    static final GemmBlocking FALLBACK = new GemmBlocking(1 << 20, 0, false, false);

    /** The blocking for this machine's caches, or {@link #FALLBACK} where they cannot be read. */
    static GemmBlocking ofThisMachine() {
        return Machine.BLOCKING;
    }

    /** Read once per JVM: every backend opened asks, and the caches do not change. */
    private static final class Machine {
        static final GemmBlocking BLOCKING = fromSystem(CACHES);
    }

    /** The sizes in {@code caches}, a directory laid out as Linux's {@code cpu0/cache}. */
    static GemmBlocking fromSystem(Path caches) {
        long l2 = 0;
        long l3 = 0;
        for (int index = 0; Files.isDirectory(caches.resolve("index" + index)); index++) {
            Path cache = caches.resolve("index" + index);
            String level = read(cache.resolve("level"));
            String type = read(cache.resolve("type"));
            long size = bytes(read(cache.resolve("size")));
            if ("Instruction".equals(type) || size <= 0) {
                continue;
            }
            if ("2".equals(level)) {
                l2 = size;
            } else if ("3".equals(level)) {
                l3 = size;
            }
        }
        return l2 > 0 ? new GemmBlocking(l2, l3) : FALLBACK;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return "";
        }
    }

    /** "48K", "2048K", "32M" or a plain number of bytes; -1 if unreadable or beyond a long. */
    static long bytes(String size) {
        if (size.isEmpty()) {
            return -1;
        }
        long unit = switch (Character.toUpperCase(size.charAt(size.length() - 1))) {
            case 'K' -> 1 << 10;
            case 'M' -> 1 << 20;
            case 'G' -> 1 << 30;
            default -> 1;
        };
        try {
            return Math.multiplyExact(Long.parseLong(unit == 1 ? size : size.substring(0, size.length() - 1)), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            return -1;
        }
    }

    /**
     * Rows of a band: its A panels for one k block ({@code depth} steps) fill an eighth of L2,
     * leaving the rest to the band's C and the B panels passing through. On a 1 MiB L2, 96 and 128
     * rows measured alike, 192 and 384 slower.
     */
    int bandRows(int depth) {
        return (int) Math.clamp(l2 / (8L * Float.BYTES * depth), 1, Integer.MAX_VALUE);
    }

    /**
     * Columns of a band of {@code rows} rows where the bands run all of k (a GEMM that packs no B
     * block, see {@link GemmStep}): L2 holds the band's C, its A panels of one k block, and the B
     * panels of one k block as they pass, so that C is still there for the next k block. On a 1 MiB
     * L2 with 128-row bands, when every GEMM's bands ran all of k, 512 columns ran 2048^3 at 203
     * GFLOP/s, 1024 (C evicted between k blocks) at 192 and 2048 at 180. A tenth is left to the rest
     * of what the core touches.
     */
    int bandCols(int rows, int depth) {
        long floats = Math.min(l2, Long.MAX_VALUE / 9) * 9 / 10 / Float.BYTES;
        return (int) Math.clamp((floats - (long) rows * depth) / (rows + depth), 1, Integer.MAX_VALUE);
    }

    /**
     * Columns of a block of op(B) (see {@link GemmStep}): its panels of one k block, {@code depth}
     * steps, fill an eighth of L3, so that two regions, where blocks alternate, take a quarter at
     * most; half of L2 where there is no L3. At 2048^3 on one thread, blocks of 2048 columns ran 3% faster
     * than blocks of 1024, and 5% faster than of 256: each column block packs op(A) again.
     */
    int blockCols(int depth) {
        long bytes = l3 > 0 ? l3 / 8 : l2 / 2;
        return (int) Math.clamp(bytes / ((long) Float.BYTES * depth), 1, Integer.MAX_VALUE);
    }

    /**
     * Steps of k in a block of op(B) {@code cols} columns wide: whole k blocks, as many as fit in
     * L2, at least one. Where all of op(B) fits, each band runs all of k, its C staying in L2, and
     * the GEMM has two phases rather than two per k block: 128x256x784:NT on two threads took
     * 140-244 us against 142-264 in k blocks of their own (three pairs), on one thread the same.
     */
    int blockSteps(int cols) {
        long steps = l2 / ((long) Float.BYTES * cols * DEPTH) * DEPTH;
        return (int) Math.clamp(steps, DEPTH, Integer.MAX_VALUE);
    }

    /** e.g. {@code L2 1024 KiB, L3 32768 KiB}, or {@code L2 1024 KiB (assumed), no L3 (assumed)}. */
    @Override
    public String toString() {
        return "L2 " + (l2 >> 10) + " KiB" + (l2Known ? "" : " (assumed)") + ", "
                + (l3 > 0 ? "L3 " + (l3 >> 10) + " KiB" : "no L3") + (l3Known ? "" : " (assumed)");
    }
}
