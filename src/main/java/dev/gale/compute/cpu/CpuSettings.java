package dev.gale.compute.cpu;

/**
 * What a CPU backend runs: vector or scalar kernels, the vector micro-tile, and the GEMM's cache
 * blocking. By default all three follow the machine; options force them, so that every choice any
 * machine may make is tested and benchmarked on every machine. No choice changes a result's bits
 * but the first: scalar kernels round differently.
 */
record CpuSettings(boolean vectorized, MicroTile tile, GemmBlocking blocking) {
    // tile is the vector kernels'; the scalar kernels have a tile of their own and ignore it.

    /** This machine's choices, vector kernels when the JVM has them. */
    static CpuSettings ofThisMachine() {
        return ofThisMachine(CpuBackend.vectorAvailable());
    }

    static CpuSettings ofThisMachine(boolean vectorized) {
        // Only a JVM with the vector module loads VectorKernels, which reads the vector width.
        MicroTile tile = vectorized
                ? MicroTile.forMachine(System.getProperty("os.arch"), VectorKernels.vectorBits()) : MicroTile.ROWS_4;
        return new CpuSettings(vectorized, tile, GemmBlocking.ofThisMachine());
    }

    /**
     * This machine's choices with {@code options} applied: comma-separated {@code kernels=vector} or
     * {@code kernels=scalar}, {@code tile=8x2} or {@code tile=4x2}, and cache sizes for the blocking,
     * {@code l2=SIZE} and {@code l3=SIZE} (bytes, or with K or M, e.g. {@code l2=256K}).
     */
    static CpuSettings parse(String options) {
        Boolean vectorized = null;
        MicroTile tile = null;
        long l2 = -1;
        long l3 = -1;
        for (String option : options.split(",")) {
            if (option.isBlank()) {
                continue;
            }
            int equals = option.indexOf('=');
            String name = equals < 0 ? option : option.substring(0, equals);
            String value = equals < 0 ? "" : option.substring(equals + 1);
            switch (name) {
                case "kernels" -> vectorized = switch (value) {
                    case "vector" -> true;
                    case "scalar" -> false;
                    default -> throw new IllegalArgumentException("kernels=" + value + ": use kernels=vector or kernels=scalar");
                };
                case "tile" -> tile = MicroTile.of(value);
                case "l2" -> l2 = size(option, value);
                case "l3" -> l3 = size(option, value);
                default -> throw new IllegalArgumentException("unknown cpu option '" + option
                        + "'; use kernels=vector|scalar, tile=8x2|4x2, l2=SIZE or l3=SIZE");
            }
        }
        boolean vector = vectorized == null ? CpuBackend.vectorAvailable() : vectorized;
        if (vector && !CpuBackend.vectorAvailable()) {
            throw new IllegalArgumentException("kernels=vector needs the jdk.incubator.vector module:"
                    + " start the JVM with --add-modules=jdk.incubator.vector");
        }
        if (tile != null && !vector) {
            throw new IllegalArgumentException("tile= chooses the vector kernels' micro-tile; the scalar kernels have one");
        }
        CpuSettings machine = ofThisMachine(vector);
        GemmBlocking blocking = new GemmBlocking(l2 < 0 ? machine.blocking.l2() : l2,
                l3 < 0 ? machine.blocking.l3() : l3, l2 >= 0 || machine.blocking.l2Known(),
                l3 >= 0 || machine.blocking.l3Known());
        return new CpuSettings(vector, tile == null ? machine.tile : tile, blocking);
    }

    private static long size(String option, String value) {
        long bytes = GemmBlocking.bytes(value);
        if (bytes < 1 << 10) {
            throw new IllegalArgumentException(option + ": a cache size is bytes, or a number with K or M,"
                    + " of at least 1K, e.g. l2=256K");
        }
        return bytes;
    }

    /**
     * e.g. {@code vector kernels 512-bit, tile 8x32, L2 1024 KiB, L3 32768 KiB}: the GEMM micro-tile
     * of {@code kernels}, made from these settings, in rows by columns of C, and the cache sizes the
     * blocking is made for.
     */
    String describe(Kernels kernels) {
        return (vectorized ? "vector kernels " + VectorKernels.vectorBits() + "-bit" : "scalar kernels")
                + ", tile " + kernels.tileRows() + "x" + kernels.tileCols() + ", " + blocking;
    }

    Kernels kernels() {
        // Reached only with the module present: a JVM without it never loads VectorKernels.
        return vectorized ? VectorKernels.create(tile) : new ScalarKernels();
    }
}
