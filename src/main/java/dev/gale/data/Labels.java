package dev.gale.data;

/** Integer class labels checked against the number of classes, with the file they came from in every error. */
final class Labels {

    private Labels() {
    }

    /** {@code classes} <= 0 means one more than the largest label. */
    static Dataset classification(float[] features, int[] labels, int classes, String source)
            throws DataFormatException {
        if (labels.length == 0) {
            throw new DataFormatException(source + " holds no examples");
        }
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new DataFormatException(source + ": label " + labels[i] + " of row " + (i + 1) + " is negative");
            }
            max = Math.max(max, labels[i]);
        }
        int k = classes > 0 ? classes : max + 1;
        if (max >= k) {
            throw new DataFormatException(source + ": label " + max + " is out of range for " + k
                    + " classes (labels must be 0.." + (k - 1) + ")");
        }
        if (k < 2) {
            throw new DataFormatException(source + ": every label is 0; a classifier needs at least 2 classes");
        }
        return Dataset.classification(features, labels, k);
    }
}
