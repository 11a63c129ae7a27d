package dev.gale.data;

import java.util.Arrays;
import java.util.Locale;

/**
 * Training-time augmentation of images: each example, in each epoch, is moved by a whole number of
 * pixels, at most {@code pixels} in each direction, with probability {@code probability}; pixels
 * moved in from outside the image take the value {@code background}. The move depends only on the
 * seed, the epoch and the example's row in the training set, so a run resumed at any epoch, on any
 * backend and thread count, sees the same images. Targets are left as they are: the class of a
 * moved image is the class of the image.
 *
 * @param pixels the largest move along each axis, at least 1 and smaller than the image
 * @param probability the chance that an example is moved at all, in (0, 1]; a moved example takes
 *     each offset in [-pixels, pixels] along each axis with equal chance, (0, 0) among them
 * @param height rows of each image
 * @param width columns of each image; a feature row is the image row by row
 * @param background the value of a pixel moved in from outside, as the network sees it (the
 *     normalised value of a raw 0)
 */
public record ImageShift(int pixels, double probability, int height, int width, float background) {

    /** Probabilities are compared with 24 random bits, so they resolve to 2^-24. */
    private static final int PROBABILITY_BITS = 24;
    /** Each offset is drawn from 20 random bits: a bias of at most (2 * pixels + 1) / 2^20. */
    private static final int OFFSET_BITS = 20;

    public ImageShift {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("an image needs a height and a width of at least 1, got "
                    + height + " x " + width);
        }
        requireValid(pixels, probability);
        if (pixels >= Math.min(height, width)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--augment shift:%d would move %d x %d "
                    + "images out of sight: shift by fewer than %d pixels", pixels, height, width,
                    Math.min(height, width)));
        }
    }

    /** Checks a shift's settings before any image is known, as {@code gale train} parses them. */
    public static void requireValid(int pixels, double probability) {
        if (pixels < 1) {
            throw new IllegalArgumentException("--augment shift:PIXELS needs at least 1 pixel, got " + pixels);
        }
        if (!(probability > 0 && probability <= 1)) {
            throw new IllegalArgumentException("--augment shift:PIXELS:PROBABILITY needs a probability in (0, 1], got "
                    + probability);
        }
    }

    /** Features per image. */
    public int features() {
        return height * width;
    }

    /**
     * Writes example {@code example}'s image, {@code source[from ..]}, to {@code target[to ..]},
     * moved as {@code (seed, epoch, example)} says.
     */
    public void apply(float[] source, int from, float[] target, int to, long seed, int epoch, int example) {
        int[] move = move(seed, epoch, example);
        if (move == null) {
            System.arraycopy(source, from, target, to, features());
            return;
        }
        int down = move[0];
        int right = move[1];
        int first = Math.max(0, right);
        int last = Math.min(width, width + right);
        for (int y = 0; y < height; y++) {
            int row = to + y * width;
            int sourceY = y - down;
            if (sourceY < 0 || sourceY >= height) {
                Arrays.fill(target, row, row + width, background);
                continue;
            }
            Arrays.fill(target, row, row + first, background);
            System.arraycopy(source, from + sourceY * width + first - right, target, row + first, last - first);
            Arrays.fill(target, row + last, row + width, background);
        }
    }

    /** The move {@link #apply} makes: {down, right} in pixels, or null when the example stays where it is. */
    int[] move(long seed, int epoch, int example) {
        long bits = bits(seed, epoch, example);
        if ((bits >>> (Long.SIZE - PROBABILITY_BITS)) >= (long) Math.ceil(probability * (1 << PROBABILITY_BITS))) {
            return null;
        }
        int span = 2 * pixels + 1;
        return new int[] {offset(bits >>> OFFSET_BITS, span), offset(bits, span)};
    }

    private int offset(long bits, int span) {
        return (int) (((bits & ((1L << OFFSET_BITS) - 1)) * span) >>> OFFSET_BITS) - pixels;
    }

    /** SplitMix64's finaliser over (seed, epoch, example): neighbouring keys give unrelated bits. */
    private static long bits(long seed, int epoch, int example) {
        return mix(mix(mix(seed) + epoch) + example);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "shift:%d:%s", pixels, probability);
    }
}
