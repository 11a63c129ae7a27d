package dev.gale.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * A per-feature affine map x' = (x - offset) * scale, fitted on training data and stored with the
 * model, so that evaluation and prediction see features the way training saw them. A single-element
 * offset and scale apply to every feature.
 */
public record Normalization(Kind kind, float[] offset, float[] scale) {

    public enum Kind {
        /** Features used as they are. */
        NONE,
        /** One min-max map over all features, onto [0, 1]: pixels keep their relative brightness. */
        SCALE,
        /** Each feature to mean 0, standard deviation 1. */
        STANDARDIZE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Kind parse(String text) {
            for (Kind kind : values()) {
                if (kind.id().equals(text)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown normalisation '" + InputLimits.excerpt(text)
                    + "'; use none, scale or standardize");
        }
    }

    public Normalization {
        if (offset.length != scale.length || offset.length == 0) {
            throw new IllegalArgumentException("normalisation offset and scale must have the same length > 0");
        }
        for (int i = 0; i < offset.length; i++) {
            if (!Float.isFinite(offset[i]) || !Float.isFinite(scale[i])) {
                throw new IllegalArgumentException("normalisation values must be finite");
            }
        }
    }

    public static Normalization none() {
        return new Normalization(Kind.NONE, new float[] {0}, new float[] {1});
    }

    /** Fits {@code kind} to the features of {@code data}. */
    public static Normalization fit(Kind kind, Dataset data) {
        return switch (kind) {
            case NONE -> none();
            case SCALE -> {
                float min = Float.POSITIVE_INFINITY;
                float max = Float.NEGATIVE_INFINITY;
                for (float x : data.features()) {
                    min = Math.min(min, x);
                    max = Math.max(max, x);
                }
                yield new Normalization(kind, new float[] {min}, new float[] {max > min ? 1 / (max - min) : 1});
            }
            case STANDARDIZE -> {
                int n = data.inputs();
                double[] sum = new double[n];
                double[] squares = new double[n];
                float[] x = data.features();
                for (int r = 0; r < data.rows(); r++) {
                    for (int j = 0; j < n; j++) {
                        double v = x[r * n + j];
                        sum[j] += v;
                        squares[j] += v * v;
                    }
                }
                float[] offset = new float[n];
                float[] scale = new float[n];
                for (int j = 0; j < n; j++) {
                    double mean = sum[j] / data.rows();
                    double sd = Math.sqrt(Math.max(0, squares[j] / data.rows() - mean * mean));
                    offset[j] = (float) mean;
                    scale[j] = sd > 1e-12 ? (float) (1 / sd) : 1;
                }
                yield new Normalization(kind, offset, scale);
            }
        };
    }

    /** A new dataset with normalised features and the same targets. */
    public Dataset apply(Dataset data) {
        if (offset.length != 1 && offset.length != data.inputs()) {
            throw new IllegalArgumentException("the normalisation is for " + offset.length + " features, the data has "
                    + data.inputs());
        }
        return new Dataset(apply(data.features(), data.inputs()), data.targets(), data.rows(), data.inputs(),
                data.outputs());
    }

    /** Normalised copies of rows of {@code inputs} features. */
    public float[] apply(float[] features, int inputs) {
        if (kind == Kind.NONE) {
            return features;
        }
        float[] result = new float[features.length];
        int width = offset.length;
        for (int i = 0; i < features.length; i++) {
            int j = width == 1 ? 0 : i % inputs;
            result[i] = (features[i] - offset[j]) * scale[j];
        }
        return result;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Normalization n && kind == n.kind && Arrays.equals(offset, n.offset)
                && Arrays.equals(scale, n.scale);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(offset) * 17 + Arrays.hashCode(scale);
    }

    @Override
    public String toString() {
        return kind.id() + " over " + (offset.length == 1 ? "all features" : offset.length + " features");
    }
}
