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

    /** Copies {@code source} into the first {@code source.length} elements of {@code target}. */
    void write(Buffer target, float[] source);

    /** Copies the first {@code target.length} elements of {@code source} into {@code target}. */
    void read(Buffer source, float[] target);

    /**
     * Prepares a plan for repeated execution. All validation and all allocation happen here, so that
     * running the compiled plan in a steady state allocates nothing.
     */
    CompiledPlan compile(StepPlan plan);

    @Override
    void close();

    /** Rejects a buffer that another backend allocated. */
    static <B extends Buffer> B own(Buffer buffer, Class<B> type, Backend owner) {
        if (!type.isInstance(buffer)) {
            throw new IllegalArgumentException(
                    "buffer " + buffer + " was not allocated by " + owner.description());
        }
        return type.cast(buffer);
    }
}
