package dev.gale.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTest {

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("data.csv"), text);
    }

    @Test
    void readsWithAndWithoutHeader() throws IOException {
        Dataset plain = Csv.read(csv("1,0.5,2\n0,1.5,-3\n"), 0, 0);
        Dataset headed = Csv.read(csv("label,x,y\n1,0.5,2\n\n0,1.5,-3\n"), 0, 0);
        for (Dataset d : new Dataset[] {plain, headed}) {
            assertEquals(2, d.rows());
            assertEquals(2, d.inputs());
            assertArrayEquals(new float[] {0.5f, 2, 1.5f, -3}, d.features());
            assertArrayEquals(new float[] {0, 1, 1, 0}, d.targets());
        }
    }

    @Test
    void theLabelColumnIsSelectable() throws IOException {
        Path file = csv("0.5,2,1\n1.5,-3,2\n");
        Dataset last = Csv.read(file, -1, 0);
        assertArrayEquals(new float[] {0.5f, 2, 1.5f, -3}, last.features());
        assertEquals(3, last.outputs());
        assertEquals(last.features().length, Csv.read(file, 2, 0).features().length);
        assertThrows(DataFormatException.class, () -> Csv.read(file, 5, 0));
    }

    @Test
    void badRowsAreNamedByLine() throws IOException {
        String[][] cases = {
                {"1,2,3\n0,1\n", "line 2 has 2 fields"},
                {"1,2,3\n0,x,1\n", "line 2, column 2 is 'x'"},
                {"1,2,3\n0,NaN,1\n", "finite"},
                {"1,2,3\n0,Infinity,1\n", "finite"},
                {"1,2,3\n0.5,2,1\n", "integer class"},
                {"1,2,3\n-1,2,1\n", "negative"},
                {"", "no examples"},
        };
        for (String[] c : cases) {
            Path file = csv(c[0]);
            DataFormatException e = assertThrows(DataFormatException.class, () -> Csv.read(file, 0, 0), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        Path file = csv("1,2\n7,3\n");
        assertTrue(assertThrows(DataFormatException.class, () -> Csv.read(file, 0, 3)).getMessage()
                .contains("out of range"));
    }

    @Test
    void unlabeledFilesAreAllFeatures() throws IOException {
        Path file = csv("x,y\n0.5,2\n1.5,-3\n");
        assertEquals(2, Csv.columns(file));
        Dataset d = Csv.read(file, Csv.NO_LABEL, 4);
        assertArrayEquals(new float[] {0.5f, 2, 1.5f, -3}, d.features());
        assertEquals(4, d.outputs());
    }

    @Test
    void aCsvSpecLoadsAsOneSet() throws IOException {
        DataSpec.Source source = DataSpec.load(csv("1,0.5\n0,1.5\n").toString(), 0, 0, 1);
        assertEquals(2, source.train().rows());
        assertEquals(null, source.test());
        assertEquals(source.train(), source.testOrTrain());
    }
}
