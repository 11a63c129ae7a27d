package dev.gale.data;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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

    public static Images images(Path file) throws IOException {
        ByteBuffer data = open(file, 3);
        int count = data.getInt();
        int height = data.getInt();
        int width = data.getInt();
        long expected = (long) count * height * width;
        requireLength(file, data, expected);
        float[] pixels = new float[(int) expected];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = data.get() & 0xFF;
        }
        return new Images(pixels, count, height, width);
    }

    public static int[] labels(Path file) throws IOException {
        ByteBuffer data = open(file, 1);
        int count = data.getInt();
        requireLength(file, data, count);
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = data.get() & 0xFF;
        }
        return labels;
    }

    /** One-hot classification data from an image file and its label file. */
    public static Dataset load(Path imageFile, Path labelFile, int classes) throws IOException {
        Images images = images(imageFile);
        int[] labels = labels(labelFile);
        if (labels.length != images.count()) {
            throw new DataFormatException(imageFile + " has " + images.count() + " images but " + labelFile
                    + " has " + labels.length + " labels");
        }
        return Labels.classification(images.pixels(), labels, classes, labelFile.toString());
    }

    /** The header's dimensions must be {@code dimensions}, the element type unsigned bytes. */
    private static ByteBuffer open(Path file, int dimensions) throws IOException {
        byte[] bytes = unzipped(file);
        ByteBuffer data = ByteBuffer.wrap(bytes);
        if (bytes.length < 4 + 4 * dimensions) {
            throw new DataFormatException(file + " is too short for an IDX header (" + bytes.length + " bytes)");
        }
        int magic = data.getInt();
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != UNSIGNED_BYTE || (magic & 0xFF) != dimensions) {
            throw new DataFormatException(file + " is not an IDX file of unsigned bytes with " + dimensions
                    + " dimension(s): its magic number is 0x" + Integer.toHexString(magic));
        }
        return data;
    }

    private static void requireLength(Path file, ByteBuffer data, long expected) throws DataFormatException {
        if (data.remaining() != expected) {
            throw new DataFormatException(file + " is truncated or corrupt: its header promises " + expected
                    + " data bytes, the file holds " + data.remaining());
        }
    }

    private static byte[] unzipped(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file + " does not exist");
        }
        if (bytes.length < 2 || (bytes[0] & 0xFF) != 0x1F || (bytes[1] & 0xFF) != 0x8B) {
            return bytes;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new DataFormatException(file + " is a truncated gzip file: download it again");
        } catch (ZipException e) {
            throw new DataFormatException(file + " is a corrupt gzip file (" + e.getMessage() + "): download it again");
        }
    }
}
