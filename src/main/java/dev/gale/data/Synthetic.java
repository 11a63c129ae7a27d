package dev.gale.data;

import java.util.Set;
import java.util.SplittableRandom;

/** Small generated problems for demos and tests; every one is a function of its seed. */
public final class Synthetic {

    /** What {@code --data} calls them. */
    public static final Set<String> NAMES = Set.of("xor", "spirals", "blobs");

    private Synthetic() {
    }

    /** The four XOR examples, one sigmoid output: not linearly separable. */
    public static Dataset xor() {
        float[] x = {0, 0, 0, 1, 1, 0, 1, 1};
        float[] y = {0, 1, 1, 0};
        return new Dataset(x, y, 4, 2, 1);
    }

    /**
     * Interleaved spiral arms in the plane (the classic CS231n set): class c's points lie on an arm
     * rotated by 2 pi c / classes, with Gaussian angle noise.
     */
    public static Dataset spirals(int perClass, int classes, double noise, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int rows = perClass * classes;
        float[] x = new float[rows * 2];
        int[] labels = new int[rows];
        for (int c = 0; c < classes; c++) {
            for (int i = 0; i < perClass; i++) {
                int row = c * perClass + i;
                double radius = (double) i / perClass;
                double angle = 4.0 * radius + 2 * Math.PI * c / classes + noise * random.nextGaussian();
                x[2 * row] = (float) (radius * Math.sin(angle));
                x[2 * row + 1] = (float) (radius * Math.cos(angle));
                labels[row] = c;
            }
        }
        return Dataset.classification(x, labels, classes);
    }

    /** Isotropic Gaussian clusters with unit spread around centres drawn in [-spread, spread]^inputs. */
    public static Dataset blobs(int perClass, int classes, int inputs, double spread, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] centres = new double[classes * inputs];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = random.nextDouble(-spread, spread);
        }
        int rows = perClass * classes;
        float[] x = new float[rows * inputs];
        int[] labels = new int[rows];
        for (int row = 0; row < rows; row++) {
            int c = row % classes;
            labels[row] = c;
            for (int j = 0; j < inputs; j++) {
                x[row * inputs + j] = (float) (centres[c * inputs + j] + random.nextGaussian());
            }
        }
        return Dataset.classification(x, labels, classes);
    }
}
