package dev.gale.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.gale.data.InputLimits;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
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
    /** About the reference implementation's bound on the JSON header (100 MB): no model's header comes near it. */
    private static final long MAX_HEADER = 100L << 20;
    /** Tensor data is read in pieces of this size, so that a large tensor is never in memory twice. */
    private static final int CHUNK_BYTES = 1 << 20;
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

    /**
     * Reads {@code file}, a regular file once links are followed. Every tensor entry of the header is
     * checked, against the file's size and against the others, before its data is read; the tensors'
     * sizes are checked against the heap.
     */
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ModelFormatException(Files.exists(file)
                    ? file + " is not a regular file (a folder, device or pipe): give a model file"
                    : file + " does not exist");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw new ModelFormatException(file + " is not a safetensors file: it has only " + size + " bytes");
            }
            long headerLength = read(file, channel, 0, 8).getLong();
            if (headerLength <= 0 || headerLength > MAX_HEADER || 8 + headerLength > size) {
                throw new ModelFormatException(file + " is not a safetensors file or is truncated (header length "
                        + headerLength + ", file " + size + " bytes)");
            }
            JsonObject header;
            try {
                String json = StandardCharsets.UTF_8.decode(read(file, channel, 8, (int) headerLength)).toString();
                header = JsonParser.parseString(json).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new ModelFormatException(file + " has a corrupt safetensors header");
            }
            long dataStart = 8 + headerLength;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Map.Entry<String, JsonElement> member : header.entrySet()) {
                if (member.getKey().equals(METADATA)) {
                    metadata = metadata(file, member.getValue());
                } else {
                    entries.add(entry(file, member.getKey(), member.getValue(), size - dataStart));
                }
            }
            requireDisjoint(file, entries);
            InputLimits.requireHeap(entries.stream().mapToLong(e -> e.end() - e.begin()).sum(),
                    file + "'s tensors", ModelFormatException::new);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry entry : entries) {
                tensors.put(entry.name(), new Tensor(entry.shape(),
                        floats(file, channel, dataStart + entry.begin(), entry.values())));
            }
            return new Contents(tensors, metadata);
        }
    }

    /** A tensor's header entry, checked: {@code values} floats in bytes [begin, end) of the data. */
    private record Entry(String name, long[] shape, int values, long begin, long end) {
    }

    /** The format's metadata: a JSON object of strings. */
    private static Map<String, String> metadata(Path file, JsonElement json) throws ModelFormatException {
        if (!(json instanceof JsonObject object)) {
            throw new ModelFormatException(file + ": " + METADATA + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> member : object.entrySet()) {
            if (!(member.getValue() instanceof JsonPrimitive value && value.isString())) {
                throw new ModelFormatException(file + ": metadata entry " + InputLimits.excerpt(member.getKey())
                        + " is not a string");
            }
            metadata.put(member.getKey(), value.getAsString());
        }
        return metadata;
    }

    /** Checks the header entry {@code json} of tensor {@code name} against the format and the data's size. */
    private static Entry entry(Path file, String name, JsonElement json, long dataBytes) throws ModelFormatException {
        String tensor = file + ": tensor " + InputLimits.excerpt(name);
        if (!(json instanceof JsonObject info)) {
            throw new ModelFormatException(tensor + " has the header entry " + InputLimits.excerpt(json.toString())
                    + "; a tensor's entry is an object of dtype, shape and data_offsets");
        }
        JsonElement dtype = info.get("dtype");
        if (!(dtype instanceof JsonPrimitive type && type.isString() && type.getAsString().equals("F32"))) {
            throw new ModelFormatException(tensor + " has dtype " + InputLimits.excerpt(String.valueOf(dtype))
                    + "; Gale reads F32 tensors");
        }
        long[] shape = naturals(info.get("shape"));
        if (shape == null) {
            throw new ModelFormatException(tensor + " has shape "
                    + InputLimits.excerpt(String.valueOf(info.get("shape")))
                    + "; a shape is a list of whole numbers >= 0");
        }
        long[] offsets = naturals(info.get("data_offsets"));
        if (offsets == null || offsets.length != 2 || offsets[0] > offsets[1]) {
            throw new ModelFormatException(tensor + " has data_offsets "
                    + InputLimits.excerpt(String.valueOf(info.get("data_offsets")))
                    + "; they are two byte offsets [begin, end] into the data, begin <= end");
        }
        int values = InputLimits.arrayLength(InputLimits.product(shape), Float.BYTES,
                tensor + " of shape " + Arrays.toString(shape), ModelFormatException::new);
        if (offsets[1] - offsets[0] != (long) Float.BYTES * values) {
            throw new ModelFormatException(tensor + " has shape " + Arrays.toString(shape) + ", " + values
                    + " floats, but data_offsets " + Arrays.toString(offsets) + ", " + (offsets[1] - offsets[0])
                    + " bytes");
        }
        if (offsets[1] > dataBytes) {
            throw new ModelFormatException(file + " is truncated or corrupt: tensor " + InputLimits.excerpt(name)
                    + " ends at byte " + offsets[1] + " of the data, which has " + dataBytes);
        }
        return new Entry(name, shape, values, offsets[0], offsets[1]);
    }

    /** The elements of a JSON array of whole numbers >= 0; null when {@code json} is anything else. */
    private static long[] naturals(JsonElement json) {
        if (!(json instanceof JsonArray array)) {
            return null;
        }
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            if (!(array.get(i) instanceof JsonPrimitive value && value.isNumber())) {
                return null;
            }
            try {
                values[i] = value.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                return null;
            }
            if (values[i] < 0) {
                return null;
            }
        }
        return values;
    }

    /** Two tensors sharing bytes would each be read from the other's data. */
    private static void requireDisjoint(Path file, List<Entry> entries) throws ModelFormatException {
        List<Entry> byOffset = entries.stream().filter(e -> e.end() > e.begin())
                .sorted(Comparator.comparingLong(Entry::begin)).toList();
        for (int i = 1; i < byOffset.size(); i++) {
            Entry previous = byOffset.get(i - 1);
            Entry entry = byOffset.get(i);
            if (entry.begin() < previous.end()) {
                throw new ModelFormatException(file + " is corrupt: tensors " + InputLimits.excerpt(previous.name())
                        + " and " + InputLimits.excerpt(entry.name()) + " overlap in the file (bytes " + entry.begin()
                        + " to " + Math.min(entry.end(), previous.end()) + " of the data)");
            }
        }
    }

    /** {@code count} little-endian floats from {@code position}, read a chunk at a time. */
    private static float[] floats(Path file, FileChannel channel, long position, int count) throws IOException {
        float[] values = new float[count];
        for (int done = 0; done < count; ) {
            int n = Math.min(count - done, CHUNK_BYTES / Float.BYTES);
            read(file, channel, position + (long) Float.BYTES * done, Float.BYTES * n).asFloatBuffer()
                    .get(values, done, n);
            done += n;
        }
        return values;
    }

    /** {@code length} bytes from {@code position}, little-endian. */
    private static ByteBuffer read(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                // Its size was checked before: the file has shrunk since.
                throw new ModelFormatException(file + " is truncated: it ends before byte " + (position + length));
            }
        }
        return buffer.flip();
    }
}
