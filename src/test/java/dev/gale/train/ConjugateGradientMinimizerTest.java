package dev.gale.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConjugateGradientMinimizerTest {

    /** The extended Rosenbrock function: a curved valley with its minimum 0 at (1, ..., 1). */
    private static double rosenbrock(double[] x, double[] gradient) {
        java.util.Arrays.fill(gradient, 0);
        double f = 0;
        for (int i = 0; i + 1 < x.length; i++) {
            double valley = x[i + 1] - x[i] * x[i];
            double offset = 1 - x[i];
            f += 100 * valley * valley + offset * offset;
            gradient[i] += -400 * x[i] * valley - 2 * offset;
            gradient[i + 1] += 200 * valley;
        }
        return f;
    }

    @Test
    void findsTheMinimumOfRosenbrocksValley() {
        double[] point = {-1.2, 1, -1.2, 1};
        ConjugateGradientMinimizer minimizer = new ConjugateGradientMinimizer((x, g) -> {
            System.arraycopy(x, 0, point, 0, x.length);
            return rosenbrock(x, g);
        }, point.clone());
        double cost = Double.NaN;
        for (int i = 0; i < 500 && !minimizer.converged(); i++) {
            double next = minimizer.iterate();
            assertTrue(Double.isNaN(cost) || next <= cost, "cost rose from " + cost + " to " + next);
            cost = next;
        }
        assertTrue(cost < 1e-12, "cost " + cost);
        for (double v : point) {
            assertEquals(1, v, 1e-5);
        }
    }
}
