package dev.gale.compute;

/**
 * A place where step plans run: it owns its buffers and executes the kernels of {@link Op}.
 *
 * <p>Every backend computes the same ops with the same semantics; they differ only in rounding,
 * which the kernels-test suite bounds op by op.
 */
public interface Backend extends AutoCloseable {

    /** One line naming the backend and its device, e.g. {@code cpu (2 threads, vector)}. */
    String description();

    /** A new buffer of {@code length} zeros. */
    Buffer allocate(int length);

    /** Copies {@code source} into the first {@code source.length} elements of {@code target} (or of its slice). */
    void write(Buffer target, float[] source);

    /** Copies the first {@code target.length} elements of {@code source} into {@code target}. */
    void read(Buffer source, float[] target);

    /**
     * {@link #write} at the backend's own precision: values the reference backend keeps in float64
     * arrive unrounded; a float32 backend rounds them.
     */
    default void writeDoubles(Buffer target, double[] source) {
        float[] values = new float[source.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) source[i];
        }
        write(target, values);
    }

    /** {@link #read} at the backend's own precision, for gradient checks. */
    default void readDoubles(Buffer source, double[] target) {
        float[] values = new float[target.length];
        read(source, values);
        for (int i = 0; i < values.length; i++) {
            target[i] = values[i];
        }
    }

    /**
     * Prepares a plan for repeated execution. All validation and all allocation happen here, so that
     * running the compiled plan in a steady state allocates nothing.
     */
    CompiledPlan compile(StepPlan plan);

    @Override
    void close();

    /**
     * The whole buffer that holds {@code buffer}'s storage (itself, or the buffer it is a slice of),
     * rejecting one that another backend allocated. Its elements start at {@code buffer.offset()}.
     */
    static <B extends Buffer> B own(Buffer buffer, Class<B> type, Backend owner) {
        Buffer whole = buffer.whole();
        if (!type.isInstance(whole)) {
            throw new IllegalArgumentException(
                    "buffer " + buffer + " was not allocated by " + owner.description());
        }
        return type.cast(whole);
    }
}
