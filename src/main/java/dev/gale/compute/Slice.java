package dev.gale.compute;

/**
 * Elements {@code [offset, offset + length)} of a whole buffer. A slice of a slice is a slice of the
 * whole buffer, and two slices of the same elements are equal, so that plans can name a region twice.
 */
final class Slice implements Buffer {

    private final Buffer whole;
    private final int offset;
    private final int length;

    Slice(Buffer of, int offset, int length) {
        if (offset < 0 || length <= 0 || (long) offset + length > of.length()) {
            throw new IllegalArgumentException("slice [" + offset + ", " + ((long) offset + length) + ") of a buffer of "
                    + of.length() + " floats: it must be nonempty and inside");
        }
        this.whole = of.whole();
        this.offset = of.offset() + offset;
        this.length = length;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public Buffer whole() {
        return whole;
    }

    @Override
    public int offset() {
        return offset;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Slice s && s.whole == whole && s.offset == offset && s.length == length;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(whole) * 31 * 31 + offset * 31 + length;
    }

    @Override
    public String toString() {
        return "[" + offset + ", " + (offset + length) + ") of " + whole;
    }
}
