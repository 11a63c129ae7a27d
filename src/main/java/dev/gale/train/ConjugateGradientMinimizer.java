package dev.gale.train;

/**
 * Nonlinear conjugate gradient (Polak-Ribiere+, restarting on non-descent directions) with a line
 * search that meets the strong Wolfe conditions (Nocedal and Wright, algorithms 3.5 and 3.6). It
 * works in float64 on the host; the cost it minimises may be evaluated in float32.
 */
final class ConjugateGradientMinimizer {

    /** Returns f(x) and writes its gradient. */
    interface Objective {
        double evaluate(double[] x, double[] gradient);
    }

    /** Sufficient decrease. */
    private static final double C1 = 1e-4;
    /** Curvature: 0.1 is the usual choice for conjugate gradient, which needs fairly exact steps. */
    private static final double C2 = 0.1;
    private static final int MAX_EVALUATIONS = 25;
    /** Largest growth of the first trial step from one iteration to the next. */
    private static final double MAX_STEP_RATIO = 100;

    private final Objective objective;
    private final int n;
    private final double[] x;
    private final double[] gradient;
    private final double[] direction;
    private final double[] trialX;
    private final double[] trialGradient;
    private double cost;
    private double trialCost;
    private double slope;
    private double firstStep;
    private boolean converged;

    ConjugateGradientMinimizer(Objective objective, double[] start) {
        this.objective = objective;
        this.n = start.length;
        this.x = start.clone();
        this.gradient = new double[n];
        this.direction = new double[n];
        this.trialX = new double[n];
        this.trialGradient = new double[n];
        this.cost = objective.evaluate(x, gradient);
        steepestDescent();
        this.firstStep = 1 / (1 - slope);
    }

    boolean converged() {
        return converged;
    }

    /** One line search along the current direction and a new direction; returns the cost reached. */
    double iterate() {
        if (converged) {
            return cost;
        }
        double step = lineSearch(firstStep);
        if (Double.isNaN(step)) {
            steepestDescent();
            step = lineSearch(1 / (1 - slope));
            if (Double.isNaN(step)) {
                converged = true;
                cost = objective.evaluate(x, gradient); // leaves the objective at the best point, not the last trial
                return cost;
            }
        }
        double oldSlope = slope;
        double gg = dot(gradient, gradient);
        double gNewMinusOld = dot(trialGradient, trialGradient) - dot(trialGradient, gradient);
        double beta = gg == 0 ? 0 : Math.max(0, gNewMinusOld / gg);
        System.arraycopy(trialX, 0, x, 0, n);
        System.arraycopy(trialGradient, 0, gradient, 0, n);
        cost = trialCost;
        for (int i = 0; i < n; i++) {
            direction[i] = -gradient[i] + beta * direction[i];
        }
        slope = dot(gradient, direction);
        if (slope >= 0) {
            steepestDescent();
        }
        if (slope == 0) {
            converged = true;
        }
        firstStep = step * Math.min(MAX_STEP_RATIO, oldSlope / (slope - Double.MIN_NORMAL));
        return cost;
    }

    private void steepestDescent() {
        for (int i = 0; i < n; i++) {
            direction[i] = -gradient[i];
        }
        slope = dot(gradient, direction);
    }

    /** A step meeting the strong Wolfe conditions, with the point, cost and gradient there in trial*, or NaN. */
    private double lineSearch(double initial) {
        double previous = 0;
        double previousCost = cost;
        double previousSlope = slope;
        double step = initial;
        for (int evaluations = 0; evaluations < MAX_EVALUATIONS; evaluations++) {
            double stepCost = trial(step);
            double stepSlope = dot(trialGradient, direction);
            if (!decreased(step, stepCost) || (evaluations > 0 && stepCost >= previousCost)) {
                return zoom(previous, previousCost, previousSlope, step, stepCost, stepSlope, evaluations);
            }
            if (Math.abs(stepSlope) <= -C2 * slope) {
                return step;
            }
            if (stepSlope >= 0) {
                return zoom(step, stepCost, stepSlope, previous, previousCost, previousSlope, evaluations);
            }
            double next = cubicMinimum(previous, previousCost, previousSlope, step, stepCost, stepSlope);
            double lowest = step + 1.1 * (step - previous);
            double highest = step + 8 * (step - previous);
            previous = step;
            previousCost = stepCost;
            previousSlope = stepSlope;
            step = Double.isFinite(next) ? Math.min(highest, Math.max(lowest, next)) : highest;
        }
        return Double.NaN;
    }

    private double zoom(double lo, double loCost, double loSlope, double hi, double hiCost, double hiSlope,
                        int evaluations) {
        for (; evaluations < MAX_EVALUATIONS; evaluations++) {
            double width = hi - lo;
            double step = cubicMinimum(lo, loCost, loSlope, hi, hiCost, hiSlope);
            double low = Math.min(lo, hi) + 0.1 * Math.abs(width);
            double high = Math.max(lo, hi) - 0.1 * Math.abs(width);
            if (!Double.isFinite(hiCost) || !Double.isFinite(step) || step < low || step > high) {
                step = lo + 0.5 * width;
            }
            double stepCost = trial(step);
            double stepSlope = dot(trialGradient, direction);
            if (!decreased(step, stepCost) || stepCost >= loCost) {
                hi = step;
                hiCost = stepCost;
                hiSlope = stepSlope;
            } else {
                if (Math.abs(stepSlope) <= -C2 * slope) {
                    return step;
                }
                if (stepSlope * (hi - lo) >= 0) {
                    hi = lo;
                    hiCost = loCost;
                    hiSlope = loSlope;
                }
                lo = step;
                loCost = stepCost;
                loSlope = stepSlope;
            }
        }
        if (lo > 0 && loCost < cost) {
            trial(lo);
            return lo;
        }
        return Double.NaN;
    }

    /** Armijo's sufficient-decrease condition. */
    private boolean decreased(double step, double stepCost) {
        return Double.isFinite(stepCost) && stepCost <= cost + C1 * step * slope;
    }

    /** Minimiser of the cubic through (a, fa, da) and (b, fb, db); NaN when it has none. */
    private static double cubicMinimum(double a, double fa, double da, double b, double fb, double db) {
        double d1 = da + db - 3 * (fa - fb) / (a - b);
        double discriminant = d1 * d1 - da * db;
        if (!(discriminant >= 0)) {
            return Double.NaN;
        }
        double d2 = Math.copySign(Math.sqrt(discriminant), b - a);
        return b - (b - a) * (db + d2 - d1) / (db - da + 2 * d2);
    }

    private double trial(double step) {
        for (int i = 0; i < n; i++) {
            trialX[i] = x[i] + step * direction[i];
        }
        trialCost = objective.evaluate(trialX, trialGradient);
        return trialCost;
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
