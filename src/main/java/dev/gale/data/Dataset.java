package dev.gale.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Examples as two row-major float matrices: features [rows, inputs] and targets [rows, outputs].
 * Classification targets are one-hot rows; an autoencoder's targets are its features.
 */
public record Dataset(float[] features, float[] targets, int rows, int inputs, int outputs) {

    public Dataset {
        if (rows <= 0 || inputs <= 0 || outputs <= 0) {
            throw new IllegalArgumentException("a dataset needs rows, inputs and outputs > 0, got "
                    + rows + " x " + inputs + " -> " + outputs);
        }
        if (features.length != (long) rows * inputs || targets.length != (long) rows * outputs) {
            throw new IllegalArgumentException("dataset arrays do not match " + rows + " rows of "
                    + inputs + " inputs and " + outputs + " outputs");
        }
    }

    /** One-hot targets from class labels in [0, classes). */
    public static Dataset classification(float[] features, int[] labels, int classes) {
        int rows = labels.length;
        float[] targets = new float[rows * classes];
        for (int r = 0; r < rows; r++) {
            if (labels[r] < 0 || labels[r] >= classes) {
                throw new IllegalArgumentException("label " + labels[r] + " of row " + r
                        + " is outside [0, " + classes + ")");
            }
            targets[r * classes + labels[r]] = 1;
        }
        return new Dataset(features, targets, rows, features.length / Math.max(rows, 1), classes);
    }

    /** Targets equal to the features: what an autoencoder reconstructs. */
    public static Dataset reconstruction(float[] features, int rows, int inputs) {
        return new Dataset(features, features.clone(), rows, inputs, inputs);
    }

    /**
     * Splits off a random {@code fraction} of the rows (at least one) as a second set, e.g. for
     * validation: {@code [rest, heldOut]}. The rows chosen depend only on {@code seed}.
     */
    public Dataset[] holdOut(double fraction, long seed) {
        int held = (int) Math.max(1, Math.round(rows * fraction));
        if (!(fraction > 0 && fraction < 1) || held >= rows) {
            throw new IllegalArgumentException("cannot hold out a fraction " + fraction + " of " + rows
                    + " rows; choose a fraction in (0, 1) that leaves rows on both sides");
        }
        int[] order = new int[rows];
        shuffle(order, seed);
        return new Dataset[] {rows(order, 0, rows - held), rows(order, rows - held, rows)};
    }

    /** Fills {@code order} with a permutation of its indices that depends only on {@code seed}. */
    public static void shuffle(int[] order, long seed) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
    }

    private Dataset rows(int[] order, int from, int to) {
        int n = to - from;
        float[] x = new float[n * inputs];
        float[] y = new float[n * outputs];
        for (int i = 0; i < n; i++) {
            System.arraycopy(features, order[from + i] * inputs, x, i * inputs, inputs);
            System.arraycopy(targets, order[from + i] * outputs, y, i * outputs, outputs);
        }
        return new Dataset(x, y, n, inputs, outputs);
    }

    /** Rows [from, to) as a new dataset. */
    public Dataset slice(int from, int to) {
        if (from < 0 || to > rows || from >= to) {
            throw new IllegalArgumentException("row range [" + from + ", " + to + ") is not inside 0.." + rows);
        }
        return new Dataset(Arrays.copyOfRange(features, from * inputs, to * inputs),
                Arrays.copyOfRange(targets, from * outputs, to * outputs), to - from, inputs, outputs);
    }
}
