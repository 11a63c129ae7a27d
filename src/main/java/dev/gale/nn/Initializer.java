package dev.gale.nn;

import java.util.SplittableRandom;

/** Draws a layer's initial weights; biases start at zero. */
public sealed interface Initializer {

    /** Fills a [fanOut, fanIn] weight matrix. */
    void fill(float[] weights, int fanIn, int fanOut, SplittableRandom random);

    /** Uniform on [-epsilon, epsilon]; 0.12 is the classic choice for small sigmoid networks. */
    record Uniform(double epsilon) implements Initializer {
        public static final double DEFAULT_EPSILON = 0.12;

        public Uniform {
            if (!(epsilon > 0 && Double.isFinite(epsilon))) {
                throw new IllegalArgumentException("uniform epsilon must be positive, got " + epsilon);
            }
        }

        @Override
        public void fill(float[] weights, int fanIn, int fanOut, SplittableRandom random) {
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) random.nextDouble(-epsilon, epsilon);
            }
        }
    }

    /** Glorot and Bengio (2010): uniform on +-sqrt(6 / (fanIn + fanOut)); suits sigmoid and tanh. */
    record XavierUniform() implements Initializer {
        @Override
        public void fill(float[] weights, int fanIn, int fanOut, SplittableRandom random) {
            new Uniform(Math.sqrt(6.0 / (fanIn + fanOut))).fill(weights, fanIn, fanOut, random);
        }
    }

    /** He et al. (2015): normal with standard deviation sqrt(2 / fanIn); suits the ReLU family. */
    record HeNormal() implements Initializer {
        @Override
        public void fill(float[] weights, int fanIn, int fanOut, SplittableRandom random) {
            double sigma = Math.sqrt(2.0 / fanIn);
            for (int i = 0; i < weights.length; i++) {
                weights[i] = (float) (sigma * random.nextGaussian());
            }
        }
    }
}
