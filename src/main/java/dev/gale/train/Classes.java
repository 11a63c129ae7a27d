package dev.gale.train;

/**
 * The class a row of outputs or targets stands for: the argmax over several columns, a 0.5 threshold
 * for a single one (binary logistic).
 */
public final class Classes {

    private Classes() {
    }

    public static int predicted(float[] outputs, int row, int width) {
        int offset = row * width;
        if (width == 1) {
            return outputs[offset] >= 0.5f ? 1 : 0;
        }
        int best = 0;
        for (int k = 1; k < width; k++) {
            if (outputs[offset + k] > outputs[offset + best]) {
                best = k;
            }
        }
        return best;
    }
}
