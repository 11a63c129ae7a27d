package dev.gale.data;

/** Integer class labels checked against the number of classes, with the file they came from in every error. */
final class Labels {

    /**
     * The most classes a class count taken from the labels may have: beyond any classification set Gale
     * is meant for (ImageNet-21k has 21,841), and a stray label of a billion does not ask for billions
     * of one-hot targets.
     */
    private static final int MAX_CLASSES = 1 << 16;

    private Labels() {
    }

    /**
     * {@code classes} <= 0 means one more than the largest label, provided the labels use most of the
     * class numbers up to it: a single mistyped label must not quietly make a model of hundreds of
     * classes that never occur.
     */
    static Dataset classification(float[] features, int[] labels, int classes, String source)
            throws DataFormatException {
        if (labels.length == 0) {
            throw new DataFormatException(source + " holds no examples");
        }
        int largest = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new DataFormatException(source + ": label " + labels[i] + " of row " + (i + 1) + " is negative");
            }
            if (labels[i] > labels[largest]) {
                largest = i;
            }
        }
        int max = labels[largest];
        if (classes <= 0) {
            requireMostClassesOccur(labels, largest, source);
        }
        int k = classes > 0 ? classes : max + 1;
        if (max >= k) {
            throw new DataFormatException(source + ": label " + max + " is out of range for " + k
                    + " classes (labels must be 0.." + (k - 1) + ")");
        }
        if (k < 2) {
            throw new DataFormatException(source + ": every label is 0; a classifier needs at least 2 classes");
        }
        InputLimits.arrayLength((long) labels.length * k, Float.BYTES, source + "'s one-hot targets, "
                + labels.length + " examples x " + k + " classes", DataFormatException::new);
        return Dataset.classification(features, labels, k);
    }

    /** Refuses labels whose largest, at {@code largest}, leaves most class numbers below it unused. */
    private static void requireMostClassesOccur(int[] labels, int largest, String source) throws DataFormatException {
        int max = labels[largest];
        if (max >= MAX_CLASSES) {
            throw new DataFormatException(source + ": label " + max + " of row " + (largest + 1) + " is beyond the "
                    + MAX_CLASSES + " classes Gale takes from the labels");
        }
        boolean[] seen = new boolean[max + 1];
        int distinct = 0;
        for (int label : labels) {
            if (!seen[label]) {
                seen[label] = true;
                distinct++;
            }
        }
        if (2 * distinct < max + 1) {
            throw new DataFormatException(source + ": only " + distinct + " of the " + (max + 1) + " classes 0.."
                    + max + " occur; is label " + max + " of row " + (largest + 1) + " a mistake? Correct it, or"
                    + " give the number of classes if most of them are really absent");
        }
    }
}
