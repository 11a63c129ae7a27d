package dev.gale.io;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;

/**
 * The part of the ONNX format an exported Gale model uses, as protobuf descriptors built here from
 * the field numbers of the ONNX specification (onnx.proto, IR version 8), so that protobuf-java
 * writes the wire format through {@link com.google.protobuf.DynamicMessage}. Only the fields Gale
 * sets are declared; a reader skips none, since every other field is absent.
 */
final class OnnxSchema {

    /** TensorProto.DataType.FLOAT and INT64. */
    static final int FLOAT = 1;
    static final int INT64 = 7;
    /** AttributeProto.AttributeType.FLOAT, INT and INTS. */
    static final int ATTRIBUTE_FLOAT = 1;
    static final int ATTRIBUTE_INT = 2;
    static final int ATTRIBUTE_INTS = 7;

    static final Descriptor MODEL;
    static final Descriptor OPERATOR_SET;
    static final Descriptor STRING_ENTRY;
    static final Descriptor GRAPH;
    static final Descriptor NODE;
    static final Descriptor ATTRIBUTE;
    static final Descriptor TENSOR;
    static final Descriptor VALUE_INFO;
    static final Descriptor TYPE;
    static final Descriptor TENSOR_TYPE;
    static final Descriptor SHAPE;
    static final Descriptor DIMENSION;

    static {
        FileDescriptorProto file = FileDescriptorProto.newBuilder()
                .setName("gale_onnx_subset.proto").setPackage("onnx").setSyntax("proto2")
                .addMessageType(message("ModelProto",
                        field("ir_version", 1, Type.TYPE_INT64, false),
                        field("producer_name", 2, Type.TYPE_STRING, false),
                        field("producer_version", 3, Type.TYPE_STRING, false),
                        field("doc_string", 6, Type.TYPE_STRING, false),
                        message("graph", 7, ".onnx.GraphProto", false),
                        message("opset_import", 8, ".onnx.OperatorSetIdProto", true),
                        message("metadata_props", 14, ".onnx.StringStringEntryProto", true)))
                .addMessageType(message("OperatorSetIdProto",
                        field("domain", 1, Type.TYPE_STRING, false),
                        field("version", 2, Type.TYPE_INT64, false)))
                .addMessageType(message("StringStringEntryProto",
                        field("key", 1, Type.TYPE_STRING, false),
                        field("value", 2, Type.TYPE_STRING, false)))
                .addMessageType(message("GraphProto",
                        message("node", 1, ".onnx.NodeProto", true),
                        field("name", 2, Type.TYPE_STRING, false),
                        message("initializer", 5, ".onnx.TensorProto", true),
                        message("input", 11, ".onnx.ValueInfoProto", true),
                        message("output", 12, ".onnx.ValueInfoProto", true)))
                .addMessageType(message("NodeProto",
                        field("input", 1, Type.TYPE_STRING, true),
                        field("output", 2, Type.TYPE_STRING, true),
                        field("name", 3, Type.TYPE_STRING, false),
                        field("op_type", 4, Type.TYPE_STRING, false),
                        message("attribute", 5, ".onnx.AttributeProto", true)))
                .addMessageType(message("AttributeProto",
                        field("name", 1, Type.TYPE_STRING, false),
                        field("f", 2, Type.TYPE_FLOAT, false),
                        field("i", 3, Type.TYPE_INT64, false),
                        field("ints", 8, Type.TYPE_INT64, true),
                        field("type", 20, Type.TYPE_INT32, false)))
                .addMessageType(message("TensorProto",
                        field("dims", 1, Type.TYPE_INT64, true),
                        field("data_type", 2, Type.TYPE_INT32, false),
                        field("name", 8, Type.TYPE_STRING, false),
                        field("raw_data", 9, Type.TYPE_BYTES, false)))
                .addMessageType(message("ValueInfoProto",
                        field("name", 1, Type.TYPE_STRING, false),
                        message("type", 2, ".onnx.TypeProto", false)))
                .addMessageType(message("TypeProto",
                        message("tensor_type", 1, ".onnx.TypeProto.Tensor", false))
                        .toBuilder().addNestedType(message("Tensor",
                                field("elem_type", 1, Type.TYPE_INT32, false),
                                message("shape", 2, ".onnx.TensorShapeProto", false))).build())
                .addMessageType(message("TensorShapeProto",
                        message("dim", 1, ".onnx.TensorShapeProto.Dimension", true))
                        .toBuilder().addNestedType(message("Dimension",
                                field("dim_value", 1, Type.TYPE_INT64, false),
                                field("dim_param", 2, Type.TYPE_STRING, false))).build())
                .build();
        Descriptors.FileDescriptor built;
        try {
            built = Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0]);
        } catch (Descriptors.DescriptorValidationException e) {
            throw new IllegalStateException("the ONNX subset's descriptors do not validate", e);
        }
        MODEL = built.findMessageTypeByName("ModelProto");
        OPERATOR_SET = built.findMessageTypeByName("OperatorSetIdProto");
        STRING_ENTRY = built.findMessageTypeByName("StringStringEntryProto");
        GRAPH = built.findMessageTypeByName("GraphProto");
        NODE = built.findMessageTypeByName("NodeProto");
        ATTRIBUTE = built.findMessageTypeByName("AttributeProto");
        TENSOR = built.findMessageTypeByName("TensorProto");
        VALUE_INFO = built.findMessageTypeByName("ValueInfoProto");
        TYPE = built.findMessageTypeByName("TypeProto");
        TENSOR_TYPE = TYPE.findNestedTypeByName("Tensor");
        SHAPE = built.findMessageTypeByName("TensorShapeProto");
        DIMENSION = SHAPE.findNestedTypeByName("Dimension");
    }

    private OnnxSchema() {
    }

    private static DescriptorProto message(String name, FieldDescriptorProto... fields) {
        DescriptorProto.Builder message = DescriptorProto.newBuilder().setName(name);
        for (FieldDescriptorProto field : fields) {
            message.addField(field);
        }
        return message.build();
    }

    private static FieldDescriptorProto field(String name, int number, Type type, boolean repeated) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(repeated ? Label.LABEL_REPEATED : Label.LABEL_OPTIONAL).build();
    }

    private static FieldDescriptorProto message(String name, int number, String typeName, boolean repeated) {
        return field(name, number, Type.TYPE_MESSAGE, repeated).toBuilder().setTypeName(typeName).build();
    }
}
