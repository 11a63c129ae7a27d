package dev.gale.train;

/**
 * How parameters move. The mini-batch optimizers run as update kernels inside the step plan, their
 * state resident on the backend; conjugate gradient minimises the full-batch cost from the host.
 */
public sealed interface Optimizer {

    static Optimizer sgd(double learningRate) {
        return new Sgd(learningRate);
    }

    static Optimizer momentum(double learningRate, double momentum) {
        return new Momentum(learningRate, momentum, false);
    }

    static Optimizer nesterov(double learningRate, double momentum) {
        return new Momentum(learningRate, momentum, true);
    }

    static Optimizer adam(double learningRate) {
        return new Adam(learningRate, 0.9, 0.999, 1e-8, 0);
    }

    /** Adam with decoupled weight decay (Loshchilov and Hutter), applied to weights, not biases. */
    static Optimizer adamW(double learningRate, double weightDecay) {
        return new Adam(learningRate, 0.9, 0.999, 1e-8, weightDecay);
    }

    static Optimizer conjugateGradient() {
        return new ConjugateGradient();
    }

    record Sgd(double learningRate) implements Optimizer {
        public Sgd {
            positive(learningRate, "learning rate");
        }
    }

    /** Classical momentum, or Nesterov's accelerated gradient when {@code nesterov}. */
    record Momentum(double learningRate, double momentum, boolean nesterov) implements Optimizer {
        public Momentum {
            positive(learningRate, "learning rate");
            unitInterval(momentum, "momentum");
        }
    }

    record Adam(double learningRate, double beta1, double beta2, double epsilon, double weightDecay)
            implements Optimizer {
        public Adam {
            positive(learningRate, "learning rate");
            unitInterval(beta1, "beta1");
            unitInterval(beta2, "beta2");
            positive(epsilon, "epsilon");
            if (!(weightDecay >= 0 && Double.isFinite(weightDecay))) {
                throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
            }
        }
    }

    /**
     * Polak-Ribiere nonlinear conjugate gradient on the full-batch cost, each epoch one iteration
     * with a strong-Wolfe line search: for small problems, like the seed's fmincg.
     */
    record ConjugateGradient() implements Optimizer {
    }

    private static void positive(double value, String name) {
        if (!(value > 0 && Double.isFinite(value))) {
            throw new IllegalArgumentException(name + " must be a positive number, got " + value);
        }
    }

    private static void unitInterval(double value, String name) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
        }
    }
}
