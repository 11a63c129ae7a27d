package dev.gale.kernels;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.StepScalars;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The buffers of one kernel case on one backend. Values are drawn from the case's random stream in
 * the order the case asks for them, so every backend gets the same inputs, including the initial
 * values of buffers the op updates in place. Buffers the op must fully write start as NaN, so that
 * an element a backend leaves unwritten fails the comparison.
 *
 * <p>With a guard, every buffer is a slice that begins {@code guard} floats into a larger buffer and
 * ends {@code guard} floats before its end, the floats around it holding {@link #SENTINEL}: an op
 * that reads outside its slices sees a value that spoils its result (it overflows every sum and wins
 * every max), and one that writes there changes the sentinels, which {@link #trespasses()} reports.
 */
final class Operands {

    /** A buffer the op writes, compared against the reference within {@code tolerance}. */
    record Output(String name, Buffer buffer, int length, Tolerance tolerance) {
    }

    static final float SENTINEL = Float.MAX_VALUE;

    private final Backend backend;
    private final Random random;
    private final int guard;
    private final List<Output> outputs = new ArrayList<>();
    private final List<Buffer> slices = new ArrayList<>();

    /** Whole buffers with {@code guard} 0, else slices with that many sentinel floats on each side. */
    Operands(Backend backend, Random random, int guard) {
        this.backend = backend;
        this.random = random;
        this.guard = guard;
    }

    List<Output> outputs() {
        return outputs;
    }

    /** Uniform in [lo, hi); never all zeros. */
    float[] uniform(int length, double lo, double hi) {
        float[] values = new float[length];
        do {
            for (int i = 0; i < length; i++) {
                values[i] = (float) (lo + (hi - lo) * random.nextDouble());
            }
        } while (Arrays.equals(values, new float[length]));
        return values;
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    Buffer input(float[] values) {
        Buffer buffer = allocate(values.length);
        backend.write(buffer, values);
        return buffer;
    }

    private Buffer allocate(int length) {
        if (guard == 0) {
            return backend.allocate(length);
        }
        Buffer whole = backend.allocate(guard + length + guard);
        float[] sentinels = new float[whole.length()];
        Arrays.fill(sentinels, SENTINEL);
        backend.write(whole, sentinels);
        Buffer slice = whole.slice(guard, length);
        slices.add(slice);
        return slice;
    }

    /** Each guard float the op changed, as {@code buffer i: [index] = value}; empty when none. */
    List<String> trespasses() {
        List<String> changed = new ArrayList<>();
        for (int i = 0; i < slices.size(); i++) {
            Buffer slice = slices.get(i);
            float[] whole = new float[slice.whole().length()];
            backend.read(slice.whole(), whole);
            for (int at = 0; at < whole.length; at++) {
                boolean inside = at >= slice.offset() && at < slice.offset() + slice.length();
                if (!inside && whole[at] != SENTINEL) {
                    changed.add("buffer " + i + ": [" + at + "] = " + whole[at] + " outside its slice "
                            + "[" + slice.offset() + ", " + (slice.offset() + slice.length()) + ")");
                }
            }
        }
        return changed;
    }

    /** Uniform in [-1, 1). */
    Buffer input(int length) {
        return input(uniform(length, -1, 1));
    }

    /** A buffer the op overwrites: starts as NaN. */
    Buffer output(String name, int length, Tolerance tolerance) {
        float[] poison = new float[length];
        Arrays.fill(poison, Float.NaN);
        return updated(name, poison, tolerance);
    }

    /** A buffer the op reads and writes, starting at {@code initial} on every backend. */
    Buffer updated(String name, float[] initial, Tolerance tolerance) {
        Buffer buffer = input(initial);
        outputs.add(new Output(name, buffer, initial.length, tolerance));
        return buffer;
    }

    /** Step scalars for an update at step 3 (a count in both halves of the step would not change an update). */
    Buffer scalars(float learningRate, float firstCorrection, float secondCorrection) {
        return scalars(learningRate, firstCorrection, secondCorrection, 3);
    }

    /** Step scalars at step {@code step}, for dropout's masks. */
    Buffer scalars(long step) {
        return scalars(0, 1, 1, step);
    }

    private Buffer scalars(float learningRate, float firstCorrection, float secondCorrection, long step) {
        float[] scalars = new float[StepScalars.LENGTH];
        StepScalars.step(step, scalars);
        scalars[StepScalars.LEARNING_RATE] = learningRate;
        scalars[StepScalars.FIRST_MOMENT_CORRECTION] = firstCorrection;
        scalars[StepScalars.SECOND_MOMENT_CORRECTION] = secondCorrection;
        return input(scalars);
    }
}
