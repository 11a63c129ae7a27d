package dev.gale.compute;

/**
 * A float32 array owned by one backend, or a slice of one. Host code never touches its storage: it
 * goes in through {@link Backend#write} and comes out through {@link Backend#read}, so a device
 * backend can keep it resident between steps.
 *
 * <p>A slice ({@link #slice}) is a view: elements {@code [offset, offset + length)} of its
 * {@link #whole()} buffer, sharing its storage. Every op takes slices wherever it takes buffers, so
 * that many tensors can live in one buffer (a parameter arena) and one op can cover them all.
 */
public interface Buffer {
    int length();

    /** The buffer that holds the storage: this one, unless it is a slice. */
    default Buffer whole() {
        return this;
    }

    /** Where this buffer begins in {@link #whole()}. */
    default int offset() {
        return 0;
    }

    /** Elements {@code [offset, offset + length)} of this buffer, as a buffer of their own. */
    default Buffer slice(int offset, int length) {
        return new Slice(this, offset, length);
    }

    /** Whether the two share any element of storage. */
    static boolean overlap(Buffer first, Buffer second) {
        return first.whole() == second.whole() && first.offset() < second.offset() + second.length()
                && second.offset() < first.offset() + first.length();
    }
}
