package dev.gale.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.gale.data.Normalization;
import dev.gale.data.OneLineError;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken and hostile model files: each ends in one message that names the file and, where there is
 * one, the tensor at fault, before anything the file claims is allocated.
 */
class BadModelTest {

    @TempDir
    Path dir;

    /** A saved {@link ModelFileTest#network()}: 4 inputs, layers of 5, 3 maxout(2) and 3 units. */
    private byte[] model;

    @BeforeEach
    void saveModel() throws IOException {
        Path file = dir.resolve("good.safetensors");
        ModelFile.save(file, ModelFileTest.network(), Normalization.none());
        model = Files.readAllBytes(file);
    }

    private long headerLength() {
        return ByteBuffer.wrap(model).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The saved model with its header changed by {@code change}; the tensor data stays as it was. */
    private Path edited(String name, Consumer<JsonObject> change) throws IOException {
        int length = (int) headerLength();
        JsonObject header = JsonParser.parseString(new String(model, 8, length, StandardCharsets.UTF_8))
                .getAsJsonObject();
        change.accept(header);
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + json.length + model.length - 8 - length)
                .order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(json.length).put(json).put(model, 8 + length, model.length - 8 - length);
        return Files.write(dir.resolve(name), file.array());
    }

    /** Changes the Gale metadata of a header. */
    private static Consumer<JsonObject> gale(Consumer<JsonObject> change) {
        return header -> {
            JsonObject metadata = header.getAsJsonObject("__metadata__");
            JsonObject gale = JsonParser.parseString(metadata.get("gale").getAsString()).getAsJsonObject();
            change.accept(gale);
            metadata.addProperty("gale", gale.toString());
        };
    }

    private static JsonObject tensor(JsonObject header, String name) {
        return header.getAsJsonObject(name);
    }

    private static JsonArray numbers(long... values) {
        JsonArray array = new JsonArray();
        Arrays.stream(values).forEach(array::add);
        return array;
    }

    /** The message of the ModelFormatException that loading {@code file} throws. */
    private static String failure(Path file, String... parts) {
        return OneLineError.assertThrown(ModelFormatException.class, file, () -> ModelFile.load(file), parts);
    }

    @Test
    void theMetadatasArchitectureMustMatchTheTensors() throws IOException {
        Path file = edited("units.safetensors", gale(g -> g.getAsJsonArray("layers").get(0).getAsJsonObject()
                .addProperty("units", 2_000_000)));
        failure(file, "layers.0.weight", "[5, 4]", "[2000000, 4]");
        Path pieces = edited("pieces.safetensors", gale(g -> g.getAsJsonArray("layers").get(1).getAsJsonObject()
                .addProperty("pieces", 1_000_000_000)));
        failure(pieces, "3 units x 1000000000 pieces");
    }

    @Test
    void aTransposedWeightIsRefused() throws IOException {
        failure(edited("transposed.safetensors", h -> tensor(h, "layers.0.weight").add("shape", numbers(4, 5))),
                "layers.0.weight", "shape [4, 5]", "[5, 4]");
    }

    @Test
    void parametersMustBeFinite() throws IOException {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
            byte[] bytes = model.clone();
            // The third bias of layer 0, after its 5 x 4 weights.
            int offset = (int) (8 + headerLength() + Float.BYTES * (20 + 2));
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(offset, bad);
            Path file = Files.write(dir.resolve("nan.safetensors"), bytes);
            failure(file, "layers.0.bias", Float.toString(bad), "index 2");
        }
    }

    @Test
    void onlyRegularFilesAreRead() throws IOException {
        Path zero = Path.of("/dev/zero");
        assumeTrue(Files.exists(zero));
        Path link = Files.createSymbolicLink(dir.resolve("zero.safetensors"), zero);
        failure(link, "not a regular file");
        failure(Files.createDirectory(dir.resolve("folder.safetensors")), "not a regular file");
    }

    @Test
    void theHeaderLengthIsCheckedBeforeReading() throws IOException {
        // A sparse file: 3 GB long, a few bytes on disk.
        Path file = dir.resolve("sparse.safetensors");
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
            out.setLength(3L << 30);
        }
        failure(file, "header length 1099511627776");
    }

    @Test
    void malformedTensorEntriesAreNamed() throws IOException {
        record Case(String file, Consumer<JsonObject> change, String expected) {
        }
        Case[] cases = {
            new Case("shape.safetensors", h -> {
                JsonArray shape = new JsonArray();
                shape.add("a");
                tensor(h, "layers.0.bias").add("shape", shape);
            }, "[\"a\"]"),
            new Case("offsets.safetensors", h -> tensor(h, "layers.0.bias").add("data_offsets", numbers(80)),
                    "data_offsets [80]"),
            new Case("overflow.safetensors", h -> tensor(h, "layers.0.weight").add("shape", numbers(65537, 65536)),
                    "[65537, 65536]"),
            new Case("negative.safetensors", h -> tensor(h, "layers.0.bias").add("data_offsets", numbers(-20, 0)),
                    "[-20,0]"),
            new Case("outside.safetensors", h -> tensor(h, "layers.0.bias")
                    .add("data_offsets", numbers(1L << 40, (1L << 40) + 20)), "truncated"),
            new Case("dtype.safetensors", h -> tensor(h, "layers.0.bias").addProperty("dtype", "Q7"), "Q7"),
            new Case("entry.safetensors", h -> h.addProperty("layers.0.bias", 3), "layers.0.bias"),
        };
        for (Case c : cases) {
            failure(edited(c.file(), c.change()), "layers.0.", c.expected());
        }
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        failure(edited("overlap.safetensors", h -> tensor(h, "layers.0.bias").add("data_offsets", numbers(0, 20))),
                "layers.0.weight", "layers.0.bias", "overlap");
    }

    @Test
    void aHugeTensorNameIsQuotedOnlyInPart() throws IOException {
        String name = "w".repeat(1 << 20);
        Path file = edited("name.safetensors", h -> h.add(name, numbers(1)));
        String message = failure(file, "www...");
        assertTrue(message.length() < 300, message);
    }
}
