package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CPU backend's choices: made from what the machine reports, and forced by options. */
class CpuSettingsTest {

    @ParameterizedTest
    @CsvSource({"amd64, 512, ROWS_8", "amd64, 256, ROWS_4", "x86_64, 128, ROWS_4", "aarch64, 128, ROWS_8",
        "aarch64, 512, ROWS_8", "riscv64, 256, ROWS_4"})
    void theTileFollowsTheVectorRegisters(String arch, int vectorBits, MicroTile expected) {
        assertEquals(expected, MicroTile.forMachine(arch, vectorBits));
    }

    @Test
    void cacheSizesAreReadAsTheKernelWritesThem() {
        assertEquals(48L << 10, GemmBlocking.bytes("48K"));
        assertEquals(32L << 20, GemmBlocking.bytes("32M"));
        assertEquals(1000, GemmBlocking.bytes("1000"));
        assertEquals(-1, GemmBlocking.bytes("lots"));
        assertEquals(-1, GemmBlocking.bytes(""));
        if (Files.isDirectory(Path.of("/sys/devices/system/cpu/cpu0/cache/index2"))) {
            assertTrue(GemmBlocking.ofThisMachine().l2() > 0);
        }
    }

    @Test
    void cacheSizesComeFromTheKernelsDirectoryOrAreMarkedAssumed(@TempDir Path caches) throws IOException {
        cache(caches, 0, "1", "Data", "48K");
        cache(caches, 1, "1", "Instruction", "32K");
        cache(caches, 2, "2", "Unified", "1024K");
        GemmBlocking l2Only = GemmBlocking.fromSystem(caches);
        assertEquals(new GemmBlocking(1 << 20, 0), l2Only);
        assertEquals("L2 1024 KiB, no L3", l2Only.toString());
        cache(caches, 3, "3", "Unified", "32768K");
        GemmBlocking both = GemmBlocking.fromSystem(caches);
        assertEquals(new GemmBlocking(1 << 20, 32 << 20), both);
        assertEquals("L2 1024 KiB, L3 32768 KiB", both.toString());

        // Some virtual machines' kernels export no cache directory at all.
        GemmBlocking unreported = GemmBlocking.fromSystem(caches.resolve("absent"));
        assertEquals(GemmBlocking.FALLBACK, unreported);
        assertEquals("L2 1024 KiB (assumed), no L3 (assumed)", unreported.toString());
    }

    private static void cache(Path caches, int index, String level, String type, String size) throws IOException {
        Path cache = Files.createDirectories(caches.resolve("index" + index));
        Files.writeString(cache.resolve("level"), level + "\n");
        Files.writeString(cache.resolve("type"), type + "\n");
        Files.writeString(cache.resolve("size"), size + "\n");
    }

    @Test
    void bandsFitTheCaches() {
        GemmBlocking blocking = new GemmBlocking(1 << 20, 32 << 20);
        int rows = blocking.bandRows(256);
        assertEquals(128, rows);
        int cols = blocking.bandCols(rows, 256);
        long floats = (long) rows * cols + rows * 256L + 256L * cols;
        assertTrue(floats * Float.BYTES <= (1 << 20) * 9 / 10 && cols > 500, "columns " + cols);
        // A B block of one k block fills an eighth of L3, or half of L2 without one.
        assertEquals(4096, blocking.blockCols(256));
        assertEquals(512, GemmBlocking.FALLBACK.blockCols(256));
    }

    @ParameterizedTest
    @CsvSource({"128, 10, 32, true", "256, 10, 32, true", "512, 16, 32, false", "512, 4, 32, true",
        "64, 64, 32, true", "64, 65, 32, false", "2048, 5, 16, false", "2048, 4, 16, true"})
    void bIsReadInPlaceOnlyWhereItsRowsShareNoL1SetBeyondHalfOfEightWays(int n, int steps, int cols,
                                                                      boolean inPlace) {
        // Rows n floats apart, each cols floats plus a line for a row that does not start one: at most 4
        // lines in each of the 64 sets of 64-byte lines.
        assertEquals(inPlace, GemmStep.stepsStayInL1(n, steps, cols));
    }

    @Test
    void optionsForceEachChoice() {
        CpuSettings forced = CpuSettings.parse(",tile=4x2,l2=64K,l3=1M");
        assertTrue(forced.vectorized());
        assertEquals(MicroTile.ROWS_4, forced.tile());
        assertEquals(new GemmBlocking(64 << 10, 1 << 20), forced.blocking());
        GemmBlocking machine = GemmBlocking.ofThisMachine();
        assertEquals(new GemmBlocking(machine.l2(), 32 << 20, machine.l2Known(), true),
                CpuSettings.parse("l3=32M").blocking());
        CpuSettings scalar = CpuSettings.parse("kernels=scalar");
        assertFalse(scalar.vectorized());
        assertEquals(CpuSettings.ofThisMachine(), CpuSettings.parse(""));
        try (Backend backend = Backends.open("cpu,tile=4x2,l2=64K", 1)) {
            assertTrue(backend.description().contains("tile 4x" + (2 * VectorKernels.L) + ", L2 64 KiB"),
                    backend.description());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '#', value = {
        "tile=5x5 # tile=5x5: the CPU backend's tiles are [8x2, 4x2]",
        "kernels=gpu # kernels=gpu: use kernels=vector or kernels=scalar",
        "l2=12 # l2=12: a cache size is bytes, or a number with K or M, of at least 1K, e.g. l2=256K",
        "kernels=scalar,tile=8x2 # tile= chooses the vector kernels' micro-tile; the scalar kernels have one",
        "fast # unknown cpu option 'fast'; use kernels=vector|scalar, tile=8x2|4x2, l2=SIZE or l3=SIZE"})
    void aWrongOptionSaysWhatToUse(String options, String message) {
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> Backends.open("cpu," + options, 1));
        assertEquals(message, wrong.getMessage());
    }
}
