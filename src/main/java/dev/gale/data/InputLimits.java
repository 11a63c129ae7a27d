package dev.gale.data;

import java.util.Locale;
import java.util.function.Function;

/**
 * What a data or model file may make Gale allocate, and how much of its text a message may quote: a
 * broken or hostile file, one whose header claims billions of values or one with a 100 MB cell, ends
 * in a one-line error instead of an OutOfMemoryError or a screenful of its own contents.
 */
public final class InputLimits {

    /** The longest array the JVM allocates: a few header words short of Integer.MAX_VALUE. */
    public static final int MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    /** Enough of a cell or name to recognise it in the file; a huge one would bury the message. */
    private static final int EXCERPT_LENGTH = 40;

    private static final double GIB = 1L << 30;

    private InputLimits() {
    }

    /**
     * The product of sizes >= 0, or Long.MAX_VALUE where it would overflow: a header's sizes can be any
     * numbers, and a product past every limit needs no exact value.
     */
    public static long product(long... sizes) {
        long product = 1;
        for (long size : sizes) {
            product = size != 0 && product > Long.MAX_VALUE / size ? Long.MAX_VALUE : product * size;
        }
        return product;
    }

    /**
     * {@code length} as an array length, once one array can hold that many elements and the heap their
     * {@code elementBytes} each; {@code what} opens the message that {@code error} makes otherwise.
     */
    public static <E extends Exception> int arrayLength(long length, int elementBytes, String what,
                                                        Function<String, E> error) throws E {
        if (length > MAX_ARRAY_LENGTH) {
            throw error.apply(what + ": more values than one Java array holds (" + MAX_ARRAY_LENGTH + ")");
        }
        requireHeap(length * elementBytes, what, error);
        return (int) length;
    }

    /** Refuses, before they are allocated, {@code bytes} more than the whole heap could hold. */
    public static <E extends Exception> void requireHeap(long bytes, String what, Function<String, E> error)
            throws E {
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap) {
            // Twice the bytes: whoever reads data or a model also makes working copies of it.
            long suggested = (long) Math.ceil(2 * bytes / GIB);
            throw error.apply(String.format(Locale.ROOT,
                    "%s: %.1f GiB in memory, more than Java's whole heap of %.1f GiB; give Java more heap with"
                            + " JAVA_OPTS=-Xmx%dg", what, bytes / GIB, heap / GIB, suggested));
        }
    }

    /** {@code text} as a message quotes it: its start, and "..." where it goes on. */
    public static String excerpt(CharSequence text) {
        return text.length() <= EXCERPT_LENGTH ? text.toString() : text.subSequence(0, EXCERPT_LENGTH) + "...";
    }
}
