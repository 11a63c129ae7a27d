package dev.gale.compute.cpu;

import java.util.Arrays;
import java.util.Locale;

/**
 * The shape of the vector GEMM micro-kernel's tile, in rows by vectors of C: chosen from the
 * number of vector registers, which holds its sums. The JIT needs a few registers beyond the sums
 * for B and the broadcasts of A, and spills sums to the stack when it lacks them (see each
 * kernel's measurements).
 */
enum MicroTile {
    /** 8 x 2, 16 sums: machines with 32 vector registers. */
    ROWS_8("8x2"),
    /** 4 x 2, 8 sums: machines with 16 vector registers. */
    ROWS_4("4x2");

    final String label;

    MicroTile(String label) {
        this.label = label;
    }

    /** The tile for a machine of this architecture ({@code os.arch}) with vectors this wide. */
    static MicroTile forMachine(String arch, int vectorBits) {
        return vectorRegisters(arch, vectorBits) >= 32 ? ROWS_8 : ROWS_4;
    }

    /**
     * x86 has 32 vector registers with AVX-512 (which the JVM uses only where its vectors are 512
     * bits wide) and 16 without; AArch64 has 32 (NEON and SVE alike). Elsewhere, 16: the small tile
     * is slower where registers are plenty, but never spills.
     */
    static int vectorRegisters(String arch, int vectorBits) {
        return switch (arch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> vectorBits >= 512 ? 32 : 16;
            case "aarch64" -> 32;
            default -> 16;
        };
    }

    /** The tile labelled {@code label}, e.g. {@code 4x2}. */
    static MicroTile of(String label) {
        return Arrays.stream(values()).filter(tile -> tile.label.equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("tile=" + label + ": the CPU backend's tiles are "
                        + Arrays.stream(values()).map(tile -> tile.label).toList()));
    }
}
