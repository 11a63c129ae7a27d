package dev.gale.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.gale.OnCpuBackend;
import dev.gale.data.Dataset;
import dev.gale.data.Normalization;
import dev.gale.nn.Activation;
import dev.gale.nn.Initializer;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import dev.gale.train.Evaluator;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every kind of model Gale trains, exported and run in ONNX Runtime on raw features, against
 * Gale's own prediction on the CPU backend.
 *
 * <p>Bound: both compute in float32 but sum each layer's products in different orders (ONNX
 * Runtime's GEMM blocks k differently). Reordering a sum of k <= 13 terms moves it by at most about
 * k units of 2^-24 of the sum of their magnitudes, and the activations do not amplify that (each is
 * 1-Lipschitz), so over at most 4 layers |onnx - gale| <= 1e-6 + 1e-5 |gale| (about 170 units of
 * 2^-24 relative) holds; a wrong operator, weight layout or normalisation is off by far more. The
 * test prints how much of the bound each model uses.
 */
class OnnxExportTest extends OnCpuBackend {

    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-5;
    private static final int INPUTS = 12;

    @TempDir
    Path dir;

    static Stream<Arguments> models() {
        List<Arguments> cases = new ArrayList<>();
        String[] hidden = {"relu", "sigmoid", "tanh", "leaky-relu:0.2", "maxout:3"};
        String[] outputs = {"softmax", "sigmoid", "identity"};
        Normalization.Kind[] kinds = Normalization.Kind.values();
        int i = 0;
        for (String activation : hidden) {
            for (String output : outputs) {
                int layers = 1 + i % 4;
                cases.add(Arguments.of(activation, output, kinds[i % kinds.length], layers));
                i++;
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{3} layers {0}, {1} output, {2}")
    @MethodSource("models")
    void onnxRuntimeGivesGalesPredictions(String activation, String output, Normalization.Kind kind, int layers)
            throws Exception {
        SplittableRandom random = new SplittableRandom(activation.hashCode() * 31L + output.hashCode());
        Network network = network(activation, output, layers, random);
        Dataset raw = rawPixels(1000, output.equals("softmax") ? 3 : 2, random);
        Normalization normalization = Normalization.fit(kind, raw);
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, network, normalization);
        Path onnx = dir.resolve("model.onnx");
        OnnxExport.export(model, onnx);

        for (int rows : new int[] {1, 1000}) {
            float[] features = Arrays.copyOf(raw.features(), rows * INPUTS);
            float[] want = Evaluator.predict(backend, network, normalization.apply(features, INPUTS), rows);
            float[] got = run(onnx, features, rows, OnnxExport.PROBABILITIES);
            double worst = 0;
            for (int e = 0; e < want.length; e++) {
                worst = Math.max(worst, Math.abs(got[e] - want[e]) / (ATOL + RTOL * Math.abs(want[e])));
                double bound = ATOL + RTOL * Math.abs(want[e]);
                assertTrue(Math.abs(got[e] - want[e]) <= bound,
                        "element " + e + " of " + rows + " rows: onnx " + got[e] + ", gale " + want[e]);
            }
            System.out.printf("onnx %-15s %-8s %-11s %d layers, %4d rows: largest difference %.3f of the bound%n",
                    activation, output, kind.id(), layers, rows, worst);
        }
    }

    @Test
    void theModelsMetadataTravelsWithIt() throws Exception {
        Network network = network("relu", "softmax", 2, new SplittableRandom(1));
        Path model = dir.resolve("model.safetensors");
        ModelFile.save(model, network, Normalization.none());
        Path onnx = dir.resolve("model.onnx");
        OnnxExport.export(model, onnx);
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx.toString())) {
            Map<String, String> props = session.getMetadata().getCustomMetadata();
            assertEquals(Safetensors.read(model).metadata().get(ModelFile.KEY), props.get(ModelFile.KEY));
            assertEquals(List.of(OnnxExport.INPUT), List.copyOf(session.getInputNames()));
            assertTrue(session.getOutputNames().containsAll(List.of(OnnxExport.LOGITS, OnnxExport.PROBABILITIES)));
        }
    }

    private static Network network(String activation, String output, int layers, SplittableRandom random) {
        Network.Builder builder = Network.builder(INPUTS);
        for (int l = 0; l < layers - 1; l++) {
            if (activation.startsWith("maxout:")) {
                builder.maxout(7, Integer.parseInt(activation.substring(7)));
            } else if (activation.startsWith("leaky-relu:")) {
                builder.dense(7, Activation.leakyRelu(Double.parseDouble(activation.substring(11))));
            } else {
                builder.dense(7, Activation.parse(activation, 0));
            }
            // Dropout trains only: the export, like gale predict, runs the layer as is.
            builder.dropout(0.3);
        }
        int classes = output.equals("softmax") ? 3 : 2;
        Loss loss = switch (output) {
            case "softmax" -> Loss.SOFTMAX_CROSS_ENTROPY;
            case "sigmoid" -> Loss.LOGISTIC;
            default -> Loss.MEAN_SQUARED_ERROR;
        };
        return builder.dense(classes, Activation.parse(output, 0)).loss(loss)
                .initializer(new Initializer.XavierUniform()).seed(random.nextLong()).build();
    }

    /** Features as IDX pixels come, whole numbers in [0, 255]. */
    private static Dataset rawPixels(int rows, int classes, SplittableRandom random) {
        float[] x = new float[rows * INPUTS];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextInt(256);
        }
        return new Dataset(x, new float[rows * classes], rows, INPUTS, classes);
    }

    private static float[] run(Path onnx, float[] features, int rows, String output) throws OrtException {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession session = environment.createSession(onnx.toString());
             OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(features),
                     new long[] {rows, INPUTS});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] values = (float[][]) result.get(output).orElseThrow().getValue();
            float[] flat = new float[rows * values[0].length];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(values[r], 0, flat, r * values[0].length, values[0].length);
            }
            return flat;
        }
    }
}
