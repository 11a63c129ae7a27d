package dev.gale.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSpecTest {

    @Test
    void syntheticSpecs() throws IOException {
        assertEquals(4, DataSpec.load("xor", 0, 0, 1).train().rows());
        DataSpec.Source spirals = DataSpec.load("spirals", 0, 0, 1);
        assertEquals(900, spirals.train().rows());
        assertEquals(300, spirals.test().rows());
        DataSpec.Source blobs = DataSpec.load("blobs", 0, 0, 1);
        assertEquals(1000, blobs.train().rows());
        assertEquals(400, blobs.test().rows());
        assertArrayEquals(blobs.train().features(), DataSpec.load("blobs", 0, 0, 1).train().features(),
                "a seed gives the same set");
        assertThrows(DataFormatException.class, () -> DataSpec.load("no-such-set", 0, 0, 1));
    }

    @Test
    void onlyFashionMnistsClassesHaveNames(@TempDir Path dir) throws IOException {
        assertEquals(List.of(), DataSpec.classNames("spirals"));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxTest.idx(new int[] {3}, new byte[] {0, 1, 2}));
        assertEquals(List.of(), DataSpec.classNames(dir.toString()));

        Path debian = Path.of("/usr/share/datasets/fashion-mnist");
        Assumptions.assumeTrue(Files.isDirectory(debian), "dataset-fashion-mnist is not installed: names not checked");
        List<String> names = DataSpec.classNames(debian.toString());
        assertEquals(10, names.size());
        assertEquals(List.of("T-shirt/top", "Ankle boot"), List.of(names.getFirst(), names.getLast()));
        try (InputStream zipped = new GZIPInputStream(Files.newInputStream(debian.resolve("train-labels-idx1-ubyte.gz")))) {
            Files.write(dir.resolve("train-labels-idx1-ubyte"), zipped.readAllBytes());
        }
        assertEquals(names, DataSpec.classNames(dir.toString()), "an uncompressed copy is Fashion-MNIST too");
    }

    @Test
    void normalisationScalesAndStandardises() {
        Dataset data = new Dataset(new float[] {0, 10, 255, 30}, new float[] {1, 0}, 2, 2, 1);
        Normalization scale = Normalization.fit(Normalization.Kind.SCALE, data);
        assertArrayEquals(new float[] {0, 10 / 255f, 1, 30 / 255f}, scale.apply(data).features(), 1e-7f);
        Normalization standard = Normalization.fit(Normalization.Kind.STANDARDIZE, data);
        assertArrayEquals(new float[] {-1, -1, 1, 1}, standard.apply(data).features(), 1e-6f);
        assertArrayEquals(data.features(), Normalization.none().apply(data).features());
    }

    @Test
    void holdOutSplitsBySeed() {
        Dataset data = Synthetic.blobs(50, 2, 3, 2, 4);
        Dataset[] parts = data.holdOut(0.1, 7);
        assertEquals(90, parts[0].rows());
        assertEquals(10, parts[1].rows());
        assertArrayEquals(parts[1].features(), data.holdOut(0.1, 7)[1].features());
        assertThrows(IllegalArgumentException.class, () -> data.holdOut(1.0, 7));
    }
}
