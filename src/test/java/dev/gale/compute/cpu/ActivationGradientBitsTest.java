package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.gale.compute.Pointwise;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vector activation gradients round step for step as the scalar ones, so both paths give the
 * same bits, NaN, infinities and signed zeros included, whatever the range's alignment.
 */
class ActivationGradientBitsTest {

    @ParameterizedTest
    @EnumSource(Pointwise.class)
    void vectorAndScalarKernelsAgreeBitForBit(Pointwise function) {
        Random random = new Random(function.ordinal());
        int n = 301;
        float[] z = new float[n];
        float[] a = new float[n];
        float[] delta = new float[n];
        for (int i = 0; i < n; i++) {
            z[i] = (float) random.nextGaussian() * 3;
            a[i] = random.nextFloat() * 2 - 1;
            delta[i] = (float) random.nextGaussian();
        }
        float[] specials = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f, -1f};
        for (int i = 0; i < specials.length; i++) {
            z[10 + i] = specials[i];
            a[20 + i] = specials[i];
            delta[30 + i] = specials[i];
        }
        float[] vector = delta.clone();
        float[] scalar = delta.clone();
        CpuSettings.ofThisMachine(true).kernels().activationGradient(vector, 0, z, 0, a, 0, 3, n - 5, function, 0.01f);
        new ScalarKernels().activationGradient(scalar, 0, z, 0, a, 0, 3, n - 5, function, 0.01f);
        assertArrayEquals(bits(scalar), bits(vector));
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
