package dev.gale.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/**
 * Broken and hostile data files: each ends in one message that names the file and what is wrong,
 * without reading or allocating what the file claims.
 */
class BadInputTest {

    @TempDir
    Path dir;

    private static String failure(Path file, Executable reading, String... parts) {
        return OneLineError.assertThrown(DataFormatException.class, file, reading, parts);
    }

    @Test
    void aGzipBombIsReadOnlyAsFarAsItsHeaderPromises() throws IOException {
        // More zeros than the heap holds, in gzip members of 1 MiB each: a few MB on disk.
        byte[] zeros = IdxTest.gzip(new byte[1 << 20]);
        long members = Runtime.getRuntime().maxMemory() / (1 << 20) + 1;
        Path bomb = dir.resolve("train-images-idx3-ubyte.gz");
        try (OutputStream out = Files.newOutputStream(bomb)) {
            out.write(IdxTest.gzip(IdxTest.idx(new int[] {10, 28, 28}, new byte[0])));
            for (long m = 0; m < members; m++) {
                out.write(zeros);
            }
        }
        Files.write(dir.resolve("train-labels-idx1-ubyte"),
                IdxTest.idx(new int[] {10}, new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
        failure(bomb, () -> DataSpec.load(dir.toString(), 0, 0, 1), "more data than its header", "10 x 28 x 28");
    }

    @Test
    void aHeaderPromisingMoreThanTheHeapIsRefusedBeforeReading() throws IOException {
        // One image of 1000 x 1000 pixels more than the heap holds: refused for the heap, or on a large
        // heap for one array's length, before anything is read.
        long count = Runtime.getRuntime().maxMemory() / 1_000_000 + 1;
        Path gz = Files.write(dir.resolve("images.gz"),
                IdxTest.gzip(IdxTest.idx(new int[] {(int) count, 1000, 1000}, new byte[100])));
        failure(gz, () -> Idx.images(gz), "header promises " + count + " x 1000 x 1000", "Java");
        Path raw = Files.write(dir.resolve("images"), IdxTest.idx(new int[] {2_000_000_000, 28, 28}, new byte[100]));
        failure(raw, () -> Idx.images(raw), "2000000000 x 28 x 28", "the file holds 100");
    }

    @Test
    void dimensionsMustBePositive() throws IOException {
        for (int[] sizes : new int[][] {{-10, 28, 28}, {10, 0, 28}, {10, 28, -1}}) {
            Path file = Files.write(dir.resolve("images"), IdxTest.idx(sizes, new byte[100]));
            failure(file, () -> Idx.images(file),
                    sizes[0] + " x " + sizes[1] + " x " + sizes[2], "at least 1");
        }
        Path file = Files.write(dir.resolve("labels"), IdxTest.idx(new int[] {0}, new byte[0]));
        failure(file, () -> Idx.labels(file), "at least 1");
    }

    @Test
    void aTestSetNeedsBothItsFiles() throws IOException {
        IdxTest.writeFolder(dir, false);
        Path testLabels = dir.resolve("t10k-labels-idx1-ubyte");
        byte[] labels = Files.readAllBytes(testLabels);
        Files.delete(testLabels);
        failure(dir, () -> DataSpec.load(dir.toString(), 0, 0, 1),
                "t10k-images-idx3-ubyte", "no t10k-labels-idx1-ubyte");
        Files.write(testLabels, labels);
        Files.delete(dir.resolve("t10k-images-idx3-ubyte"));
        failure(dir, () -> DataSpec.load(dir.toString(), 0, 0, 1),
                "t10k-labels-idx1-ubyte", "no t10k-images-idx3-ubyte");
    }

    @Test
    void aStrayLabelIsNotTakenForTwoHundredClasses() throws IOException {
        IdxTest.writeFolder(dir, false);
        Path trainLabels = dir.resolve("train-labels-idx1-ubyte");
        Files.write(trainLabels, IdxTest.idx(new int[] {3}, new byte[] {0, (byte) 200, 1}));
        failure(trainLabels, () -> DataSpec.load(dir.toString(), 0, 0, 1),
                "200", "3 of the 201", "row 2");
        Path csv = dir.resolve("data.csv");
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            rows.append(i % 10).append(',').append(i).append('\n');
        }
        Files.writeString(csv, rows.append("200,5\n"));
        failure(csv, () -> Csv.read(csv, 0, 0), "200", "11 of the 201");
        assertEquals(201, Csv.read(csv, 0, 201).outputs(), "a class count given is taken as it is");
    }

    @Test
    void aHugeCellIsQuotedOnlyInPart() throws IOException {
        Path csv = dir.resolve("data.csv");
        for (String cell : new String[] {"9", "x"}) {
            try (Writer out = Files.newBufferedWriter(csv)) {
                out.write("label,x\n1,2\n0,");
                out.write(cell.repeat(100_000));
                out.write("\n");
            }
            String message = failure(csv, () -> Csv.read(csv, 0, 0), "line 3, column 2", cell.repeat(20) + "...");
            assertTrue(message.length() < csv.toString().length() + 200, message);
        }
        Files.writeString(csv, "label,x\n0,1\n1," + "a".repeat(80) + "\n");
        failure(csv, () -> Csv.read(csv, 0, 0), "'aaaaaaaaaa", "...'");
    }

    @Test
    void aLineOfOverAMillionColumnsIsRefusedWhileCounting() throws IOException {
        Path csv = dir.resolve("wide.csv");
        try (Writer out = Files.newBufferedWriter(csv)) {
            out.write("1");
            out.write(",2".repeat(1 << 20));
            out.write("\n");
        }
        failure(csv, () -> Csv.read(csv, 0, 0), "line 1 has more than 1048576 columns");
        failure(csv, () -> Csv.columns(csv), "line 1 has more than 1048576 columns");
    }

    @Test
    void labelsAreWholeClassNumbersInABoundedRange() throws IOException {
        Path csv = dir.resolve("data.csv");
        for (String label : new String[] {"1e9", "1073741823", "65536"}) {
            Files.writeString(csv, "label,x\n0,1\n" + label + ",2\n");
            failure(csv, () -> Csv.read(csv, 0, 0), "65536 classes");
        }
        Files.writeString(csv, "label,x\n0,1\n2.5,2\n");
        failure(csv, () -> Csv.read(csv, 0, 0), "'2.5'", "integer class");
    }

    @Test
    void aHeaderHasNoNumbers() throws IOException {
        Path csv = dir.resolve("data.csv");
        Files.writeString(csv, "label,1,2\n0,1,2\n1,3,4\n");
        failure(csv, () -> Csv.read(csv, 0, 0), "line 1, column 1 is 'label'", "column 2 is a number");
        Files.writeString(csv, "\n0,x,2\n1,3,4\n");
        failure(csv, () -> Csv.read(csv, 0, 0), "line 2, column 2", "'x'");
        Files.writeString(csv, "label,x,y\n0,1,2\n1,3,4\n");
        assertEquals(2, Csv.read(csv, 0, 0).rows(), "a header of names only is skipped");
    }

    @Test
    void oneHotTargetsBeyondOneArrayAreRefused() throws IOException {
        Path csv = Files.writeString(dir.resolve("data.csv"), "0,1\n".repeat(40_000));
        failure(csv, () -> Csv.read(csv, 0, 65_536), "40000 examples x 65536 classes", "Java array");
    }
}
