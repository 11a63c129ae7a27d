package dev.gale.train;

/**
 * Counts of (true class, predicted class) pairs over a set, with per-class precision, recall and F1.
 * {@code counts[t][p]} is how many examples of class t were predicted as p.
 */
public record ConfusionMatrix(long[][] counts) {

    /** No examples yet, for outputs {@code width} wide (one output: the two classes of a 0.5 threshold). */
    static ConfusionMatrix empty(int width) {
        int classes = width == 1 ? 2 : width;
        return new ConfusionMatrix(new long[classes][classes]);
    }

    /** Counts network outputs and targets, both [rows, width], classes as {@link Classes#predicted} reads them. */
    void add(float[] outputs, float[] targets, int rows, int width) {
        for (int r = 0; r < rows; r++) {
            counts[Classes.predicted(targets, r, width)][Classes.predicted(outputs, r, width)]++;
        }
    }

    public int classes() {
        return counts.length;
    }

    public long total() {
        long total = 0;
        for (long[] row : counts) {
            for (long c : row) {
                total += c;
            }
        }
        return total;
    }

    public double accuracy() {
        long correct = 0;
        for (int k = 0; k < counts.length; k++) {
            correct += counts[k][k];
        }
        return (double) correct / total();
    }

    /** The accuracy of always predicting the most common true class. */
    public double mostCommonClassFraction() {
        long most = 0;
        for (int k = 0; k < counts.length; k++) {
            most = Math.max(most, support(k));
        }
        return (double) most / total();
    }

    /** Of the examples predicted as k, the fraction that are k; 0 when none is predicted as k. */
    public double precision(int k) {
        long predicted = 0;
        for (long[] row : counts) {
            predicted += row[k];
        }
        return predicted == 0 ? 0 : (double) counts[k][k] / predicted;
    }

    /** Of the examples of class k, the fraction predicted as k; 0 when there are none. */
    public double recall(int k) {
        long actual = support(k);
        return actual == 0 ? 0 : (double) counts[k][k] / actual;
    }

    public double f1(int k) {
        double p = precision(k);
        double r = recall(k);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Examples of class k. */
    public long support(int k) {
        long actual = 0;
        for (long c : counts[k]) {
            actual += c;
        }
        return actual;
    }
}
