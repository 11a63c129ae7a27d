package dev.gale.train;

/** The learning rate of each epoch as a factor of the optimizer's base rate. */
public sealed interface Schedule {

    /** The factor for epoch {@code epoch} (0-based) of {@code epochs}. */
    double factor(int epoch, int epochs);

    static Schedule constant() {
        return new Constant();
    }

    static Schedule step(int everyEpochs, double gamma) {
        return new Step(everyEpochs, gamma);
    }

    static Schedule cosine(double floor) {
        return new Cosine(floor);
    }

    record Constant() implements Schedule {
        @Override
        public double factor(int epoch, int epochs) {
            return 1;
        }
    }

    /** Multiplies the rate by {@code gamma} every {@code everyEpochs} epochs. */
    record Step(int everyEpochs, double gamma) implements Schedule {
        public Step {
            if (everyEpochs <= 0 || !(gamma > 0 && gamma <= 1)) {
                throw new IllegalArgumentException("step schedule needs everyEpochs > 0 and gamma in (0, 1], got "
                        + everyEpochs + ", " + gamma);
            }
        }

        @Override
        public double factor(int epoch, int epochs) {
            return Math.pow(gamma, epoch / everyEpochs);
        }
    }

    /** Half a cosine from 1 down to {@code floor} over the run (Loshchilov and Hutter's SGDR, no restarts). */
    record Cosine(double floor) implements Schedule {
        public Cosine {
            if (!(floor >= 0 && floor < 1)) {
                throw new IllegalArgumentException("cosine floor must be in [0, 1), got " + floor);
            }
        }

        @Override
        public double factor(int epoch, int epochs) {
            double progress = epochs <= 1 ? 0 : (double) epoch / (epochs - 1);
            return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
        }
    }
}
