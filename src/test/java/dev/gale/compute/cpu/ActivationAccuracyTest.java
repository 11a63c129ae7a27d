package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.Pointwise;
import dev.gale.compute.reference.Functions;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Sigmoid and tanh over the whole float range, beyond the kernel suite's [-5, 5]: saturation,
 * results that underflow to subnormals, tiny arguments where tanh x = x, and the special values.
 */
class ActivationAccuracyTest {

    private static final double U = 0x1p-24;


    @ParameterizedTest
    @CsvSource({"true, SIGMOID, 4", "true, TANH, 4", "false, SIGMOID, 3", "false, TANH, 2"})
    void isAccurateEverywhere(boolean vectorized, Pointwise function, double roundings) {
        Kernels kernels = vectorized ? CpuSettings.ofThisMachine(true).kernels() : new ScalarKernels();
        float[] x = sweep();
        float[] z = x.clone();
        float[] out = new float[x.length];
        // One long row, so the vector kernels take all but its last few elements.
        kernels.biasActivation(z, 0, noBias(x.length), 0, out, 0, x.length, 0, 1, 0, x.length, function, 0);
        for (int i = 0; i < x.length; i++) {
            double want = Functions.apply(function, 0, x[i]);
            // Below the smallest normal float, results are spaced 2^-149 apart, not relatively.
            double bound = roundings * U * Math.abs(want) + 0x1p-149;
            assertTrue(Math.abs(out[i] - want) <= bound,
                    function + "(" + x[i] + ") = " + out[i] + ", want " + want);
        }
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        float[] row = new float[special.length * 20];
        for (int i = 0; i < row.length; i++) {
            row[i] = special[i % special.length];
        }
        float[] result = new float[row.length];
        kernels.biasActivation(row, 0, noBias(row.length), 0, result, 0, row.length, 0, 1, 0, row.length, function, 0);
        for (int i = 0; i < row.length; i += special.length) {
            assertTrue(Float.isNaN(result[i]));
            assertEquals(1f, result[i + 1]);
            assertEquals(function == Pointwise.TANH ? -1f : 0f, result[i + 2]);
            assertEquals(function == Pointwise.TANH ? 0f : 0.5f, result[i + 3]);
            assertEquals(function == Pointwise.TANH ? -0f : 0.5f, result[i + 4]);
        }
    }

    /** x + -0 is x for every x, -0 included; x + 0 would turn -0 into 0. */
    private static float[] noBias(int cols) {
        float[] bias = new float[cols];
        java.util.Arrays.fill(bias, -0f);
        return bias;
    }

    /** Every magnitude from 2^-40 to 120, both signs, densely near 0 and the tanh series' edge. */
    private static float[] sweep() {
        Random random = new Random(5);
        float[] x = new float[1 << 20];
        for (int i = 0; i < x.length; i++) {
            double magnitude = switch (i % 4) {
                case 0 -> 120 * random.nextDouble();
                case 1 -> 2 * random.nextDouble();
                case 2 -> 0.35 + 0.1 * random.nextDouble();
                default -> Math.scalb(1 + random.nextDouble(), -random.nextInt(41));
            };
            x[i] = (float) (random.nextBoolean() ? magnitude : -magnitude);
        }
        return x;
    }
}
