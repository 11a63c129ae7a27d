package dev.gale.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
 * naming each tensor's dtype, shape and byte range, an optional {@code __metadata__} map of strings,
 * then the raw little-endian tensor bytes. Gale writes and reads float32 tensors only.
 */
public final class Safetensors {

    /** A float32 tensor: row-major data of the given shape. */
    public record Tensor(long[] shape, float[] data) {
        public Tensor {
            long size = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
                }
                size *= d;
            }
            if (size != data.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold "
                        + data.length + " values");
            }
        }
    }

    /** Tensors in file order and the metadata strings. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
    }

    private static final String METADATA = "__metadata__";
    private static final long MAX_HEADER = 100L << 20;
    private static final Gson GSON = new Gson();

    private Safetensors() {
    }

    /** Writes atomically: see {@link AtomicFile}. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        JsonObject header = new JsonObject();
        JsonObject meta = new JsonObject();
        metadata.forEach(meta::addProperty);
        header.add(METADATA, meta);
        long offset = 0;
        for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
            JsonObject info = new JsonObject();
            info.addProperty("dtype", "F32");
            JsonArray shape = new JsonArray();
            for (long d : entry.getValue().shape()) {
                shape.add(d);
            }
            info.add("shape", shape);
            long bytes = 4L * entry.getValue().data().length;
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            info.add("data_offsets", offsets);
            header.add(entry.getKey(), info);
            offset += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        // Padding the header with spaces to a multiple of 8 keeps the tensors aligned, as the format advises.
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        AtomicFile.write(file, out -> {
            ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(length.array());
            out.write(headerBytes);
            for (Tensor tensor : tensors.values()) {
                writeFloats(out, tensor.data());
            }
        });
    }

    private static void writeFloats(OutputStream out, float[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : data) {
            if (!buffer.hasRemaining()) {
                out.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            buffer.putFloat(v);
        }
        out.write(buffer.array(), 0, buffer.position());
    }

    public static Contents read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + " does not exist");
        }
        if (bytes.length < 8) {
            throw new ModelFormatException(file + " is not a safetensors file: it has only " + bytes.length + " bytes");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buffer.getLong();
        if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > bytes.length) {
            throw new ModelFormatException(file + " is not a safetensors file or is truncated (header length "
                    + headerLength + ", file " + bytes.length + " bytes)");
        }
        JsonObject header;
        try {
            header = JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8))
                    .getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ModelFormatException(file + " has a corrupt safetensors header");
        }
        int dataStart = 8 + (int) headerLength;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
                if (entry.getKey().equals(METADATA)) {
                    entry.getValue().getAsJsonObject().entrySet()
                            .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
                    continue;
                }
                tensors.put(entry.getKey(), tensor(file, entry.getKey(), entry.getValue().getAsJsonObject(),
                        buffer, dataStart));
            }
        } catch (IllegalStateException | UnsupportedOperationException | NullPointerException e) {
            throw new ModelFormatException(file + " has a malformed safetensors header entry");
        }
        return new Contents(tensors, metadata);
    }

    private static Tensor tensor(Path file, String name, JsonObject info, ByteBuffer buffer, int dataStart)
            throws ModelFormatException {
        String dtype = info.get("dtype").getAsString();
        if (!dtype.equals("F32")) {
            throw new ModelFormatException(file + ": tensor " + name + " is " + dtype + "; Gale reads F32 tensors");
        }
        JsonArray shapeJson = info.getAsJsonArray("shape");
        long[] shape = new long[shapeJson.size()];
        long size = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = shapeJson.get(i).getAsLong();
            size *= shape[i];
        }
        JsonArray offsets = info.getAsJsonArray("data_offsets");
        long begin = offsets.get(0).getAsLong();
        long end = offsets.get(1).getAsLong();
        if (begin < 0 || end < begin || end - begin != 4 * size || dataStart + end > buffer.capacity()) {
            throw new ModelFormatException(file + " is truncated or corrupt: tensor " + name + " does not fit the file");
        }
        float[] data = new float[(int) size];
        buffer.position(dataStart + (int) begin);
        buffer.asFloatBuffer().get(data);
        return new Tensor(shape, data);
    }
}
