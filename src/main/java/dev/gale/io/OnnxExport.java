package dev.gale.io;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import dev.gale.data.Normalization;
import dev.gale.nn.Activation;
import dev.gale.nn.Layer;
import dev.gale.nn.Network;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Gale model as an ONNX model that runs unchanged in any ONNX runtime: it takes the raw features
 * {@code gale predict} takes ({@code input}, float32 [batch, inputs], batch dynamic) and gives
 * {@code logits} (the output layer's pre-activations) and {@code probabilities} (the output
 * activation of them, what {@code gale predict} prints).
 *
 * <p>Graph, in operators of the default domain at opset {@value #OPSET} (IR version {@value #IR_VERSION}):
 * the stored normalisation as {@code Sub} and {@code Mul} (none for {@code none}); per dense layer
 * {@code Gemm} (transB = 1: weights are stored [units, inputs]) and its activation ({@code Relu},
 * {@code LeakyRelu}, {@code Sigmoid}, {@code Tanh}); per Maxout layer {@code Gemm}, {@code Reshape}
 * to [batch, units, pieces] and {@code ReduceMax} over the pieces; at the end {@code Softmax}
 * (axis 1), {@code Sigmoid} or {@code Identity}. The model file's metadata (architecture, loss,
 * normalisation, and the training settings when the file has them) goes into
 * {@code metadata_props} under the same keys.
 */
public final class OnnxExport {

    static final int IR_VERSION = 8;
    static final int OPSET = 13;
    static final String INPUT = "input";
    static final String LOGITS = "logits";
    static final String PROBABILITIES = "probabilities";
    private static final String BATCH = "batch";

    private final List<DynamicMessage> nodes = new ArrayList<>();
    private final List<DynamicMessage> initializers = new ArrayList<>();

    private OnnxExport() {
    }

    /** Reads the model (or checkpoint) at {@code model} and writes its ONNX form to {@code onnx}, atomically. */
    public static void export(Path model, Path onnx) throws IOException {
        Safetensors.Contents contents = Safetensors.read(model);
        ModelFile.Model loaded = ModelFile.fromContents(model, contents);
        byte[] bytes = toOnnx(loaded.network(), loaded.normalization(), contents.metadata());
        AtomicFile.write(onnx, out -> out.write(bytes));
    }

    /** The ONNX model of {@code network} behind {@code normalization}, with {@code metadata} as its properties. */
    public static byte[] toOnnx(Network network, Normalization normalization, Map<String, String> metadata) {
        return new OnnxExport().model(network, normalization, metadata).toByteArray();
    }

    private DynamicMessage model(Network network, Normalization normalization, Map<String, String> metadata) {
        String x = normalize(normalization);
        for (int l = 0; l < network.layers().size(); l++) {
            x = layer(network, l, x);
        }
        DynamicMessage.Builder graph = DynamicMessage.newBuilder(OnnxSchema.GRAPH)
                .setField(field(OnnxSchema.GRAPH, "name"), "gale");
        nodes.forEach(node -> add(graph, "node", node));
        initializers.forEach(tensor -> add(graph, "initializer", tensor));
        add(graph, "input", valueInfo(INPUT, network.inputs()));
        add(graph, "output", valueInfo(LOGITS, network.outputs()));
        add(graph, "output", valueInfo(PROBABILITIES, network.outputs()));
        DynamicMessage.Builder model = DynamicMessage.newBuilder(OnnxSchema.MODEL)
                .setField(field(OnnxSchema.MODEL, "ir_version"), (long) IR_VERSION)
                .setField(field(OnnxSchema.MODEL, "producer_name"), "gale")
                .setField(field(OnnxSchema.MODEL, "producer_version"), "0.1.0")
                .setField(field(OnnxSchema.MODEL, "doc_string"), network.toString())
                .setField(field(OnnxSchema.MODEL, "graph"), graph.build());
        add(model, "opset_import", DynamicMessage.newBuilder(OnnxSchema.OPERATOR_SET)
                .setField(field(OnnxSchema.OPERATOR_SET, "domain"), "")
                .setField(field(OnnxSchema.OPERATOR_SET, "version"), (long) OPSET).build());
        metadata.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry ->
                add(model, "metadata_props", DynamicMessage.newBuilder(OnnxSchema.STRING_ENTRY)
                        .setField(field(OnnxSchema.STRING_ENTRY, "key"), entry.getKey())
                        .setField(field(OnnxSchema.STRING_ENTRY, "value"), entry.getValue()).build()));
        return model.build();
    }

    /** (x - offset) * scale, as {@link Normalization#apply} computes it in float32. */
    private String normalize(Normalization normalization) {
        if (normalization.kind() == Normalization.Kind.NONE) {
            return INPUT;
        }
        long[] shape = {normalization.offset().length};
        String offset = initializer("normalization.offset", shape, normalization.offset());
        String scale = initializer("normalization.scale", shape, normalization.scale());
        String shifted = node("Sub", "normalize.sub", List.of(INPUT, offset));
        return node("Mul", "normalize.mul", List.of(shifted, scale));
    }

    private String layer(Network network, int l, String x) {
        Layer layer = network.layers().get(l);
        boolean output = l == network.layers().size() - 1;
        String weight = initializer("layers." + l + ".weight", new long[] {layer.linearUnits(), network.inputsOf(l)},
                network.weights(l));
        String bias = initializer("layers." + l + ".bias", new long[] {layer.linearUnits()}, network.bias(l));
        String z = node("Gemm", output ? LOGITS : "layers." + l + ".z", List.of(x, weight, bias),
                attribute("transB", 1));
        return switch (layer) {
            case Layer.Maxout m -> {
                String shape = initializer("layers." + l + ".pieces", new long[] {3},
                        new long[] {0, m.units(), m.pieces()});
                String grouped = node("Reshape", "layers." + l + ".grouped", List.of(z, shape));
                yield node("ReduceMax", "layers." + l + ".a", List.of(grouped), ints("axes", 2),
                        attribute("keepdims", 0));
            }
            case Layer.Dense d -> activation(d.activation(), z, output ? PROBABILITIES : "layers." + l + ".a");
        };
    }

    private String activation(Activation activation, String z, String a) {
        return switch (activation.function()) {
            case RELU -> node("Relu", a, List.of(z));
            case LEAKY_RELU -> node("LeakyRelu", a, List.of(z), floatAttribute("alpha", (float) activation.slope()));
            case SIGMOID -> node("Sigmoid", a, List.of(z));
            case TANH -> node("Tanh", a, List.of(z));
            case SOFTMAX -> node("Softmax", a, List.of(z), attribute("axis", 1));
            case IDENTITY -> a.equals(PROBABILITIES) ? node("Identity", a, List.of(z)) : z;
        };
    }

    /** Adds a node whose one output is named {@code output}, and returns that name. */
    private String node(String op, String output, List<String> inputs, DynamicMessage... attributes) {
        DynamicMessage.Builder node = DynamicMessage.newBuilder(OnnxSchema.NODE)
                .setField(field(OnnxSchema.NODE, "name"), output + "." + op)
                .setField(field(OnnxSchema.NODE, "op_type"), op);
        inputs.forEach(input -> node.addRepeatedField(field(OnnxSchema.NODE, "input"), input));
        node.addRepeatedField(field(OnnxSchema.NODE, "output"), output);
        for (DynamicMessage attribute : attributes) {
            node.addRepeatedField(field(OnnxSchema.NODE, "attribute"), attribute);
        }
        nodes.add(node.build());
        return output;
    }

    private String initializer(String name, long[] dims, float[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return initializer(name, dims, OnnxSchema.FLOAT, raw);
    }

    private String initializer(String name, long[] dims, long[] values) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return initializer(name, dims, OnnxSchema.INT64, raw);
    }

    /** raw_data is little-endian, as the specification requires. */
    private String initializer(String name, long[] dims, int type, ByteBuffer raw) {
        DynamicMessage.Builder tensor = DynamicMessage.newBuilder(OnnxSchema.TENSOR)
                .setField(field(OnnxSchema.TENSOR, "name"), name)
                .setField(field(OnnxSchema.TENSOR, "data_type"), type)
                .setField(field(OnnxSchema.TENSOR, "raw_data"), ByteString.copyFrom(raw.array()));
        for (long dim : dims) {
            tensor.addRepeatedField(field(OnnxSchema.TENSOR, "dims"), dim);
        }
        initializers.add(tensor.build());
        return name;
    }

    private static DynamicMessage attribute(String name, long value) {
        return DynamicMessage.newBuilder(OnnxSchema.ATTRIBUTE)
                .setField(field(OnnxSchema.ATTRIBUTE, "name"), name)
                .setField(field(OnnxSchema.ATTRIBUTE, "i"), value)
                .setField(field(OnnxSchema.ATTRIBUTE, "type"), OnnxSchema.ATTRIBUTE_INT).build();
    }

    private static DynamicMessage floatAttribute(String name, float value) {
        return DynamicMessage.newBuilder(OnnxSchema.ATTRIBUTE)
                .setField(field(OnnxSchema.ATTRIBUTE, "name"), name)
                .setField(field(OnnxSchema.ATTRIBUTE, "f"), value)
                .setField(field(OnnxSchema.ATTRIBUTE, "type"), OnnxSchema.ATTRIBUTE_FLOAT).build();
    }

    private static DynamicMessage ints(String name, long... values) {
        DynamicMessage.Builder attribute = DynamicMessage.newBuilder(OnnxSchema.ATTRIBUTE)
                .setField(field(OnnxSchema.ATTRIBUTE, "name"), name)
                .setField(field(OnnxSchema.ATTRIBUTE, "type"), OnnxSchema.ATTRIBUTE_INTS);
        for (long value : values) {
            attribute.addRepeatedField(field(OnnxSchema.ATTRIBUTE, "ints"), value);
        }
        return attribute.build();
    }

    /** A float32 tensor [batch, width], batch named so that any number of rows runs. */
    private static DynamicMessage valueInfo(String name, int width) {
        DynamicMessage batch = DynamicMessage.newBuilder(OnnxSchema.DIMENSION)
                .setField(field(OnnxSchema.DIMENSION, "dim_param"), BATCH).build();
        DynamicMessage columns = DynamicMessage.newBuilder(OnnxSchema.DIMENSION)
                .setField(field(OnnxSchema.DIMENSION, "dim_value"), (long) width).build();
        DynamicMessage shape = DynamicMessage.newBuilder(OnnxSchema.SHAPE)
                .addRepeatedField(field(OnnxSchema.SHAPE, "dim"), batch)
                .addRepeatedField(field(OnnxSchema.SHAPE, "dim"), columns).build();
        DynamicMessage tensor = DynamicMessage.newBuilder(OnnxSchema.TENSOR_TYPE)
                .setField(field(OnnxSchema.TENSOR_TYPE, "elem_type"), OnnxSchema.FLOAT)
                .setField(field(OnnxSchema.TENSOR_TYPE, "shape"), shape).build();
        DynamicMessage type = DynamicMessage.newBuilder(OnnxSchema.TYPE)
                .setField(field(OnnxSchema.TYPE, "tensor_type"), tensor).build();
        return DynamicMessage.newBuilder(OnnxSchema.VALUE_INFO)
                .setField(field(OnnxSchema.VALUE_INFO, "name"), name)
                .setField(field(OnnxSchema.VALUE_INFO, "type"), type).build();
    }

    private static void add(DynamicMessage.Builder message, String name, DynamicMessage value) {
        message.addRepeatedField(field(message.getDescriptorForType(), name), value);
    }

    private static FieldDescriptor field(Descriptor message, String name) {
        return message.findFieldByName(name);
    }
}
