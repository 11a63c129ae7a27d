package dev.gale.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * IDX files (LeCun's MNIST format, also Fashion-MNIST and EMNIST): a big-endian header (two zero
 * bytes, a type byte, the number of dimensions, then each dimension) and unsigned bytes. Files may be
 * gzipped; the gzip magic decides, not the name.
 */
public final class Idx {

    private static final int UNSIGNED_BYTE = 0x08;

    private Idx() {
    }

    /** Images as raw pixel values 0..255, one row of height * width features per image. */
    public record Images(float[] pixels, int count, int height, int width) {
        public int features() {
            return height * width;
        }
    }

    /** The sizes of an IDX file's dimensions and its data bytes. */
    private record Contents(long[] sizes, byte[] data) {
    }

    public static Images images(Path file) throws IOException {
        Contents idx = read(file, 3, Float.BYTES);
        float[] pixels = new float[idx.data().length];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = idx.data()[i] & 0xFF;
        }
        return new Images(pixels, (int) idx.sizes()[0], (int) idx.sizes()[1], (int) idx.sizes()[2]);
    }

    public static int[] labels(Path file) throws IOException {
        byte[] data = read(file, 1, Integer.BYTES).data();
        int[] labels = new int[data.length];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = data[i] & 0xFF;
        }
        return labels;
    }

    /** Labelled images: one-hot classification data, one row of {@code size} pixels per image. */
    public record LabeledImages(Dataset examples, DataSpec.ImageSize size) {
    }

    /** One-hot classification data from an image file and its label file. */
    public static LabeledImages load(Path imageFile, Path labelFile, int classes) throws IOException {
        Images images = images(imageFile);
        int[] labels = labels(labelFile);
        if (labels.length != images.count()) {
            throw new DataFormatException(imageFile + " has " + images.count() + " images but " + labelFile
                    + " has " + labels.length + " labels");
        }
        return new LabeledImages(Labels.classification(images.pixels(), labels, classes, labelFile.toString()),
                new DataSpec.ImageSize(images.height(), images.width()));
    }

    /**
     * Reads {@code file}, whose header must have {@code dimensions} dimensions and the element type
     * unsigned bytes; the caller turns each byte into a value of {@code valueBytes}. The data is read
     * only once the size the header promises is known to match the file and to fit the heap, and
     * only as far as that size: a gzip bomb behind a small header is never inflated.
     */
    private static Contents read(Path file, int dimensions, int valueBytes) throws IOException {
        try (InputStream in = open(file)) {
            long[] sizes = header(file, in, dimensions);
            String promise = Arrays.stream(sizes).mapToObj(Long::toString).collect(Collectors.joining(" x "));
            if (Arrays.stream(sizes).anyMatch(size -> size < 1)) {
                // No IDX data set has an empty dimension; a negative one is a corrupt header.
                throw new DataFormatException(file + " is corrupt: its header gives the sizes " + promise
                        + "; each must be at least 1");
            }
            long length = InputLimits.product(sizes);
            if (!(in instanceof GZIPInputStream)) {
                // A plain file's length shows, before anything is read, whether it holds what is promised.
                long stored = Files.size(file) - headerLength(dimensions);
                if (stored != length) {
                    throw stored < length ? truncated(file, promise, stored) : overlong(file, promise);
                }
            }
            // The bytes as read and the values the caller makes of them are in memory together.
            byte[] data = new byte[InputLimits.arrayLength(length, 1 + valueBytes, file + "'s header promises "
                    + promise + " bytes", DataFormatException::new)];
            int read = in.readNBytes(data, 0, data.length);
            if (read < data.length) {
                throw truncated(file, promise, read);
            }
            if (in.read() != -1) {
                throw overlong(file, promise);
            }
            return new Contents(sizes, data);
        } catch (EOFException e) {
            throw new DataFormatException(file + " is a truncated gzip file: download it again");
        } catch (ZipException e) {
            throw new DataFormatException(file + " is a corrupt gzip file (" + e.getMessage() + "): download it again");
        }
    }

    /** The file's bytes, inflated if it is gzipped. */
    private static InputStream open(Path file) throws IOException {
        InputStream in;
        try {
            in = new BufferedInputStream(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file + " does not exist");
        }
        in.mark(2);
        boolean gzipped = in.read() == 0x1F && in.read() == 0x8B;
        in.reset();
        return gzipped ? new GZIPInputStream(in) : in;
    }

    /** The dimension sizes after a magic number that says unsigned bytes in {@code dimensions} dimensions. */
    private static long[] header(Path file, InputStream in, int dimensions) throws IOException {
        byte[] bytes = in.readNBytes(headerLength(dimensions));
        if (bytes.length < headerLength(dimensions)) {
            throw new DataFormatException(file + " is too short for an IDX header (" + bytes.length + " bytes)");
        }
        ByteBuffer header = ByteBuffer.wrap(bytes);
        int magic = header.getInt();
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != UNSIGNED_BYTE || (magic & 0xFF) != dimensions) {
            throw new DataFormatException(file + " is not an IDX file of unsigned bytes with " + dimensions
                    + " dimension(s): its magic number is 0x" + Integer.toHexString(magic));
        }
        long[] sizes = new long[dimensions];
        for (int d = 0; d < dimensions; d++) {
            sizes[d] = header.getInt();
        }
        return sizes;
    }

    private static int headerLength(int dimensions) {
        return 4 + 4 * dimensions;
    }

    private static DataFormatException truncated(Path file, String promise, long stored) {
        return new DataFormatException(file + " is truncated or corrupt: its header promises " + promise
                + " bytes of data, the file holds " + stored);
    }

    private static DataFormatException overlong(Path file, String promise) {
        return new DataFormatException(file + " is corrupt: it holds more data than its header promises ("
                + promise + " bytes); download it again");
    }
}
