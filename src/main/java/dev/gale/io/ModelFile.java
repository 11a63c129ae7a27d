package dev.gale.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.gale.data.InputLimits;
import dev.gale.data.Normalization;
import dev.gale.nn.Activation;
import dev.gale.nn.Layer;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained model as a safetensors file that PyTorch opens as it is: layer N's weights are
 * {@code layers.N.weight} [out, in] and its biases {@code layers.N.bias} [out], float32, the layout
 * of {@code nn.Linear}. A Maxout layer's weight has units * pieces rows, row u * pieces + p being
 * piece p of unit u. The metadata key {@code gale} holds a JSON object with everything else:
 * <pre>
 * {"version": 1, "inputs": 784,
 *  "layers": [{"type": "dense", "units": 256, "activation": "relu"},
 *             {"type": "maxout", "units": 64, "pieces": 3},
 *             {"type": "dense", "units": 10, "activation": "softmax"}],
 *  "loss": "softmax-ce", "l2": 0.0,
 *  "normalization": {"kind": "scale", "offset": [0.0], "scale": [0.003921569]}}
 * </pre>
 * Leaky ReLU layers add {@code "slope"}, hidden layers trained with dropout {@code "dropout"} (its rate,
 * which changes nothing outside training). The normalisation maps raw features x to (x - offset) * scale,
 * one value for all features or one per feature.
 */
public final class ModelFile {

    /** A network with the feature normalisation it was trained behind. */
    public record Model(Network network, Normalization normalization) {
    }

    static final String KEY = "gale";
    private static final int VERSION = 1;

    private ModelFile() {
    }

    public static void save(Path file, Network network, Normalization normalization) throws IOException {
        save(file, network, normalization, Map.of());
    }

    /** As {@link #save(Path, Network, Normalization)}, with more metadata, e.g. how the model was trained. */
    public static void save(Path file, Network network, Normalization normalization, Map<String, String> extra)
            throws IOException {
        Map<String, String> metadata = metadata(network, normalization);
        metadata.putAll(extra);
        Safetensors.write(file, tensors(network, "layers."), metadata);
    }

    public static Model load(Path file) throws IOException {
        return fromContents(file, Safetensors.read(file));
    }

    /** The tensors of {@code network}'s parameters, named {@code prefix}N.weight and {@code prefix}N.bias. */
    public static Map<String, Safetensors.Tensor> tensors(Network network, String prefix) {
        Map<String, Safetensors.Tensor> tensors = new LinkedHashMap<>();
        for (int l = 0; l < network.layers().size(); l++) {
            int rows = network.layers().get(l).linearUnits();
            tensors.put(prefix + l + ".weight", new Safetensors.Tensor(new long[] {rows, network.inputsOf(l)},
                    network.weights(l).clone()));
            tensors.put(prefix + l + ".bias", new Safetensors.Tensor(new long[] {rows}, network.bias(l).clone()));
        }
        return tensors;
    }

    public static Map<String, String> metadata(Network network, Normalization normalization) {
        JsonObject model = new JsonObject();
        model.addProperty("version", VERSION);
        model.addProperty("inputs", network.inputs());
        JsonArray layers = new JsonArray();
        for (int l = 0; l < network.layers().size(); l++) {
            JsonObject json = new JsonObject();
            switch (network.layers().get(l)) {
                case Layer.Dense d -> {
                    json.addProperty("type", "dense");
                    json.addProperty("units", d.units());
                    json.addProperty("activation", d.activation().label());
                    if (d.activation().function() == Activation.Function.LEAKY_RELU) {
                        json.addProperty("slope", d.activation().slope());
                    }
                }
                case Layer.Maxout m -> {
                    json.addProperty("type", "maxout");
                    json.addProperty("units", m.units());
                    json.addProperty("pieces", m.pieces());
                }
            }
            if (network.dropout(l) > 0) {
                json.addProperty("dropout", network.dropout(l));
            }
            layers.add(json);
        }
        model.add("layers", layers);
        model.addProperty("loss", network.loss().label());
        model.addProperty("l2", network.l2());
        JsonObject norm = new JsonObject();
        norm.addProperty("kind", normalization.kind().id());
        norm.add("offset", floats(normalization.offset()));
        norm.add("scale", floats(normalization.scale()));
        model.add("normalization", norm);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", "pt");
        metadata.put(KEY, model.toString());
        return metadata;
    }

    public static Model fromContents(Path file, Safetensors.Contents contents) throws ModelFormatException {
        String json = contents.metadata().get(KEY);
        if (json == null) {
            throw new ModelFormatException(file + " is a safetensors file but not a Gale model (no '" + KEY
                    + "' metadata)");
        }
        try {
            JsonObject model = JsonParser.parseString(json).getAsJsonObject();
            int version = model.get("version").getAsInt();
            if (version != VERSION) {
                throw new ModelFormatException(file + " is a Gale model of format version " + version
                        + "; this Gale reads version " + VERSION);
            }
            int inputs = model.get("inputs").getAsInt();
            List<Layer> layers = new ArrayList<>();
            List<Float> dropout = new ArrayList<>();
            for (JsonElement element : model.getAsJsonArray("layers")) {
                layers.add(layer(file, element.getAsJsonObject()));
                JsonElement rate = element.getAsJsonObject().get("dropout");
                dropout.add(rate == null ? 0f : rate.getAsFloat());
            }
            // The metadata may claim any architecture: the file's tensors must match it before it is allocated.
            requireShapes(file, contents, inputs, layers, "layers.");
            Network.Builder builder = Network.builder(inputs);
            for (int l = 0; l < layers.size(); l++) {
                switch (layers.get(l)) {
                    case Layer.Dense d -> builder.dense(d.units(), d.activation());
                    case Layer.Maxout m -> builder.maxout(m.units(), m.pieces());
                }
                builder.dropout(dropout.get(l));
            }
            Network network = builder.loss(Loss.parse(InputLimits.excerpt(model.get("loss").getAsString())))
                    .l2(model.get("l2").getAsDouble()).build();
            JsonObject norm = model.getAsJsonObject("normalization");
            Normalization normalization = new Normalization(Normalization.Kind.parse(norm.get("kind").getAsString()),
                    toFloats(norm.getAsJsonArray("offset")), toFloats(norm.getAsJsonArray("scale")));
            copyParameters(file, contents, network, "layers.");
            return new Model(network, normalization);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException | NullPointerException
                 | ClassCastException | IllegalArgumentException e) {
            throw new ModelFormatException(file + " has corrupt Gale metadata"
                    + (e instanceof IllegalArgumentException ? ": " + e.getMessage() : ""));
        }
    }

    private static Layer layer(Path file, JsonObject layer) throws ModelFormatException {
        int units = layer.get("units").getAsInt();
        String type = layer.get("type").getAsString();
        return switch (type) {
            case "dense" -> new Layer.Dense(units,
                    Activation.parse(InputLimits.excerpt(layer.get("activation").getAsString()),
                            layer.has("slope") ? layer.get("slope").getAsDouble() : Activation.DEFAULT_LEAKY_SLOPE));
            case "maxout" -> new Layer.Maxout(units, layer.get("pieces").getAsInt());
            default -> throw new ModelFormatException(file + ": unknown layer type " + InputLimits.excerpt(type));
        };
    }

    /** Fills {@code network}'s parameters from the tensors named {@code prefix}N.weight and .bias. */
    public static void readParameters(Path file, Safetensors.Contents contents, Network network, String prefix)
            throws ModelFormatException {
        requireShapes(file, contents, network.inputs(), network.layers(), prefix);
        copyParameters(file, contents, network, prefix);
    }

    /**
     * Each layer's tensors must have exactly its shapes, [linearUnits, inputs] and [linearUnits]: a
     * transposed weight holds the right number of values in the wrong order.
     */
    private static void requireShapes(Path file, Safetensors.Contents contents, int inputs, List<Layer> layers,
                                      String prefix) throws ModelFormatException {
        for (int l = 0; l < layers.size(); l++) {
            int rows = layers.get(l).linearUnits();
            requireShape(file, contents, prefix + l + ".weight", rows, l == 0 ? inputs : layers.get(l - 1).units());
            requireShape(file, contents, prefix + l + ".bias", rows);
        }
    }

    private static void requireShape(Path file, Safetensors.Contents contents, String name, long... shape)
            throws ModelFormatException {
        Safetensors.Tensor tensor = contents.tensors().get(name);
        if (tensor == null) {
            throw new ModelFormatException(file + ": tensor " + name + " is missing");
        }
        if (!Arrays.equals(tensor.shape(), shape)) {
            throw new ModelFormatException(file + ": tensor " + name + " has shape " + Arrays.toString(tensor.shape())
                    + "; the architecture in the metadata needs " + Arrays.toString(shape));
        }
    }

    /** Copies the tensors, whose shapes are checked, into {@code network}'s parameters. */
    private static void copyParameters(Path file, Safetensors.Contents contents, Network network, String prefix)
            throws ModelFormatException {
        for (int l = 0; l < network.layers().size(); l++) {
            copy(file, contents, prefix + l + ".weight", network.weights(l));
            copy(file, contents, prefix + l + ".bias", network.bias(l));
        }
    }

    private static void copy(Path file, Safetensors.Contents contents, String name, float[] target)
            throws ModelFormatException {
        float[] values = contents.tensors().get(name).data();
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ModelFormatException(file + ": tensor " + name + " holds " + values[i] + " at index " + i
                        + "; a model's parameters are finite numbers");
            }
        }
        System.arraycopy(values, 0, target, 0, target.length);
    }

    private static JsonArray floats(float[] values) {
        JsonArray array = new JsonArray();
        for (float v : values) {
            array.add(v);
        }
        return array;
    }

    private static float[] toFloats(JsonArray array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).getAsFloat();
        }
        return values;
    }
}
