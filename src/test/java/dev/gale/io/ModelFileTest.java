package dev.gale.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gale.data.Normalization;
import dev.gale.nn.Activation;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFileTest {

    @TempDir
    Path dir;

    static Network network() {
        return Network.builder(4).dense(5, Activation.leakyRelu(0.05)).dropout(0.25).maxout(3, 2).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).l2(0.25).seed(3).build();
    }

    @Test
    void aModelRoundTripsExactly() throws IOException {
        Network network = network();
        Normalization norm = new Normalization(Normalization.Kind.STANDARDIZE, new float[] {1, 2, 3, 4.5f},
                new float[] {0.5f, 0.25f, 1, 1e-3f});
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(file, network, norm);
        ModelFile.Model loaded = ModelFile.load(file);
        assertEquals(network.toString(), loaded.network().toString());
        assertEquals(0.25, loaded.network().l2());
        assertEquals(0.25f, loaded.network().dropout(0), "the dropout rate is part of the model's metadata");
        assertEquals(norm, loaded.normalization());
        assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                "readable like any file the user creates");
        for (int l = 0; l < 3; l++) {
            assertArrayEquals(network.weights(l), loaded.network().weights(l));
            assertArrayEquals(network.bias(l), loaded.network().bias(l));
        }
    }

    @Test
    void theLayoutIsPyTorchs() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Network network = network();
        ModelFile.save(file, network, Normalization.none());
        byte[] bytes = Files.readAllBytes(file);
        long length = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + length) % 8, "tensor data starts 8-byte aligned");
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) length, StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals("[5,4]", header.getAsJsonObject("layers.0.weight").get("shape").toString());
        assertEquals("[6,5]", header.getAsJsonObject("layers.1.weight").get("shape").toString(),
                "maxout: units * pieces rows");
        assertEquals("[3]", header.getAsJsonObject("layers.2.bias").get("shape").toString());
        assertEquals("F32", header.getAsJsonObject("layers.2.bias").get("dtype").getAsString());
        JsonObject meta = header.getAsJsonObject("__metadata__");
        JsonObject gale = JsonParser.parseString(meta.get("gale").getAsString()).getAsJsonObject();
        assertEquals("softmax-ce", gale.get("loss").getAsString());
        assertEquals(2, gale.getAsJsonArray("layers").get(1).getAsJsonObject().get("pieces").getAsInt());
        int begin = 8 + (int) length + header.getAsJsonObject("layers.0.weight").getAsJsonArray("data_offsets")
                .get(0).getAsInt();
        assertEquals(network.weights(0)[1],
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat(begin + 4), "row-major little-endian");
    }

    @Test
    void brokenFilesAreRejected() throws IOException {
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(file, network(), Normalization.none());
        byte[] bytes = Files.readAllBytes(file);
        Path cut = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(bytes, bytes.length - 4));
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelFile.load(cut)).getMessage()
                .contains("truncated"));
        Path garbage = Files.writeString(dir.resolve("garbage.safetensors"), "no model here, just text");
        assertThrows(ModelFormatException.class, () -> ModelFile.load(garbage));
        assertThrows(ModelFormatException.class, () -> ModelFile.load(dir.resolve("absent.safetensors")));
        Path foreign = dir.resolve("foreign.safetensors");
        Safetensors.write(foreign, Map.of("w", new Safetensors.Tensor(new long[] {1}, new float[] {1})), Map.of());
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelFile.load(foreign)).getMessage()
                .contains("not a Gale model"));
    }

    @Test
    void aFailedWriteKeepsTheOldFile() throws IOException {
        Path file = dir.resolve("model.safetensors");
        ModelFile.save(file, network(), Normalization.none());
        byte[] before = Files.readAllBytes(file);
        assertThrows(IOException.class, () -> AtomicFile.write(file, out -> {
            out.write(new byte[100]);
            throw new IOException("disk full");
        }));
        assertArrayEquals(before, Files.readAllBytes(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file is left behind");
        }
    }

    @Test
    void unwritablePathsSayWhy() throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        IOException e = assertThrows(IOException.class,
                () -> ModelFile.save(notAFolder.resolve("model.safetensors"), network(), Normalization.none()));
        assertTrue(e.getMessage().startsWith("cannot write"), e.getMessage());
        assertThrows(IOException.class, () -> ModelFile.save(dir, network(), Normalization.none()));
    }
}
