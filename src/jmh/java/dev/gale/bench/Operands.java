package dev.gale.bench;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import java.util.SplittableRandom;

/** Buffers for the benchmarks, filled from a fixed seed so every run times the same data. */
public final class Operands {

    private final Backend backend;
    private final SplittableRandom random = new SplittableRandom(20260501);

    public Operands(Backend backend) {
        this.backend = backend;
    }

    /** A buffer of {@code length} values uniform in [-1, 1). */
    Buffer uniform(int length) {
        Buffer buffer = backend.allocate(length);
        backend.write(buffer, uniformArray(length));
        return buffer;
    }

    public float[] uniformArray(int length) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return values;
    }

    /** {@code rows} one-hot rows of {@code classes} columns, the class drawn uniformly. */
    public float[] oneHot(int rows, int classes) {
        float[] values = new float[rows * classes];
        for (int r = 0; r < rows; r++) {
            values[r * classes + random.nextInt(classes)] = 1f;
        }
        return values;
    }
}
