package dev.gale.compute;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DropoutMaskTest {

    private static final int ELEMENTS = 1_000_000;

    /**
     * Over a million elements the kept fraction is binomial with standard deviation
     * sqrt(rate (1 - rate) / 10^6) <= 5e-4: a draw within 5 of them of 1 - rate passes with
     * probability 1 - 6e-7, and a biased or correlated draw (a few per cent off) fails.
     */
    @ParameterizedTest
    @ValueSource(floats = {0.1f, 0.3f, 0.5f, 0.8f})
    void keepsOneMinusTheRateAndRedrawsEveryStep(float rate) {
        int threshold = DropoutMask.threshold(rate);
        double sd = Math.sqrt(rate * (1 - rate) / ELEMENTS);
        long kept = 0;
        long agree = 0;
        for (int i = 0; i < ELEMENTS; i++) {
            boolean now = DropoutMask.kept(42, 1000, i, threshold);
            kept += now ? 1 : 0;
            agree += now == DropoutMask.kept(42, 1001, i, threshold) ? 1 : 0;
        }
        double keptFraction = (double) kept / ELEMENTS;
        assertTrue(Math.abs(keptFraction - (1 - rate)) < 5 * sd, "kept " + keptFraction + " at rate " + rate);
        // Independent masks agree on an element with probability rate^2 + (1 - rate)^2.
        double expectedAgreement = rate * rate + (1 - rate) * (1 - rate);
        double agreeSd = Math.sqrt(expectedAgreement * (1 - expectedAgreement) / ELEMENTS);
        double agreement = (double) agree / ELEMENTS;
        assertTrue(Math.abs(agreement - expectedAgreement) < 5 * agreeSd,
                "consecutive steps agree on " + agreement + ", independent masks on " + expectedAgreement);
    }
}
