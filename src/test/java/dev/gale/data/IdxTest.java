package dev.gale.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {

    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes with the given dimensions. */
    static byte[] idx(int[] dims, byte[] data) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        buffer.putInt(0x0800 | dims.length);
        for (int d : dims) {
            buffer.putInt(d);
        }
        return buffer.put(data).array();
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }

    /** Writes a tiny MNIST-style folder: 3 train and 2 test images of 2x2 pixels, labels 0..2. */
    static void writeFolder(Path folder, boolean zipped) throws IOException {
        byte[] train = {0, 10, (byte) 255, 3, 1, 1, 1, 1, 9, 8, 7, 6};
        write(folder.resolve("train-images-idx3-ubyte"), idx(new int[] {3, 2, 2}, train), zipped);
        write(folder.resolve("train-labels-idx1-ubyte"), idx(new int[] {3}, new byte[] {0, 2, 1}), zipped);
        write(folder.resolve("t10k-images-idx3-ubyte"), idx(new int[] {2, 2, 2}, Arrays.copyOf(train, 8)), zipped);
        write(folder.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {2}, new byte[] {1, 1}), zipped);
    }

    private static void write(Path file, byte[] bytes, boolean zipped) throws IOException {
        Files.write(zipped ? Path.of(file + ".gz") : file, zipped ? gzip(bytes) : bytes);
    }

    @Test
    void readsRawAndGzippedFoldersAlike() throws IOException {
        for (boolean zipped : new boolean[] {false, true}) {
            Path folder = Files.createDirectory(dir.resolve("set" + zipped));
            writeFolder(folder, zipped);
            DataSpec.Source source = DataSpec.load(folder.toString(), 0, 0, 1);
            assertEquals(3, source.train().rows());
            assertEquals(4, source.train().inputs());
            assertEquals(new DataSpec.ImageSize(2, 2), source.images());
            assertEquals(3, source.train().outputs());
            assertArrayEquals(new float[] {0, 10, 255, 3}, Arrays.copyOf(source.train().features(), 4));
            assertArrayEquals(new float[] {0, 0, 1}, Arrays.copyOfRange(source.train().targets(), 3, 6));
            assertEquals(2, source.test().rows());
            assertEquals(3, source.test().outputs(), "the test set takes the training set's class count");
        }
    }

    @Test
    void findsPrefixedEmnistNames() throws IOException {
        byte[] image = idx(new int[] {2, 1, 2}, new byte[] {1, 2, 3, 4});
        Files.write(dir.resolve("emnist-digits-train-images-idx3-ubyte"), image);
        Files.write(dir.resolve("emnist-digits-train-labels-idx1-ubyte"), idx(new int[] {2}, new byte[] {0, 1}));
        DataSpec.Source source = DataSpec.load(dir.toString(), 0, 0, 1);
        assertEquals(2, source.train().rows());
        assertEquals(null, source.test());
    }

    @Test
    void aMissingFileIsNamed() {
        DataFormatException e = assertThrows(DataFormatException.class,
                () -> Idx.images(dir.resolve("train-images-idx3-ubyte")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertThrows(DataFormatException.class, () -> DataSpec.load(dir.toString(), 0, 0, 1));
        assertThrows(DataFormatException.class, () -> DataSpec.load(dir.resolve("nothing").toString(), 0, 0, 1));
    }

    @Test
    void truncatedFilesAreRejected() throws IOException {
        byte[] whole = idx(new int[] {3, 2, 2}, new byte[12]);
        Path raw = dir.resolve("raw");
        Files.write(raw, Arrays.copyOf(whole, whole.length - 1));
        assertTrue(assertThrows(DataFormatException.class, () -> Idx.images(raw)).getMessage().contains("truncated"));
        byte[] zipped = gzip(whole);
        Path gz = dir.resolve("cut.gz");
        Files.write(gz, Arrays.copyOf(zipped, zipped.length - 6));
        assertTrue(assertThrows(DataFormatException.class, () -> Idx.images(gz)).getMessage().contains("gzip"));
        Path header = dir.resolve("header");
        Files.write(header, new byte[] {0, 0, 8});
        assertThrows(DataFormatException.class, () -> Idx.images(header));
    }

    @Test
    void corruptFilesAreRejected() throws IOException {
        byte[] zipped = gzip(idx(new int[] {3, 2, 2}, new byte[12]));
        zipped[zipped.length / 2] ^= 0x5A;
        zipped[zipped.length / 2 + 1] ^= 0x33;
        Path gz = dir.resolve("bad.gz");
        Files.write(gz, zipped);
        assertThrows(DataFormatException.class, () -> Idx.images(gz));
        Path text = dir.resolve("text");
        Files.writeString(text, "this is not an IDX file at all");
        assertTrue(assertThrows(DataFormatException.class, () -> Idx.images(text)).getMessage().contains("magic"));
        Path labelsAsImages = dir.resolve("labels");
        Files.write(labelsAsImages, idx(new int[] {2}, new byte[] {0, 1}));
        assertThrows(DataFormatException.class, () -> Idx.images(labelsAsImages));
    }

    @Test
    void imageAndLabelCountsMustMatch() throws IOException {
        Path images = dir.resolve("i");
        Path labels = dir.resolve("l");
        Files.write(images, idx(new int[] {3, 1, 2}, new byte[6]));
        Files.write(labels, idx(new int[] {2}, new byte[] {0, 1}));
        assertTrue(assertThrows(DataFormatException.class, () -> Idx.load(images, labels, 0))
                .getMessage().contains("3 images but"));
    }

    @Test
    void labelsOutOfRangeAreRejected() throws IOException {
        Path images = dir.resolve("i");
        Path labels = dir.resolve("l");
        Files.write(images, idx(new int[] {2, 1, 2}, new byte[4]));
        Files.write(labels, idx(new int[] {2}, new byte[] {0, 12}));
        assertTrue(assertThrows(DataFormatException.class, () -> Idx.load(images, labels, 10))
                .getMessage().contains("out of range"));
    }
}
