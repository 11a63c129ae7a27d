package dev.gale.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gale.OnCpuBackend;
import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.LossFunction;
import dev.gale.compute.Op;
import dev.gale.compute.Pointwise;
import dev.gale.compute.StepPlan;
import dev.gale.compute.reference.ReferenceBackend;
import dev.gale.data.Dataset;
import dev.gale.data.Synthetic;
import dev.gale.nn.Activation;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The identities the seed material states, checked through Gale's kernels and trainer. */
class SeedIdentitiesTest extends OnCpuBackend {

    @Test
    void sigmoidGradientAtTheSeedsPoints() {
        float[] z = {-1, -0.5f, 0, 0.5f, 1};
        float[] expected = {0.196612f, 0.235004f, 0.25f, 0.235004f, 0.196612f};
        Buffer zb = filled(z);
        Buffer a = backend.allocate(z.length);
        Buffer delta = filled(new float[] {1, 1, 1, 1, 1});
        run(new Op.BiasActivation(zb, backend.allocate(z.length), a, 1, z.length, Pointwise.SIGMOID, 0),
                new Op.ActivationGradient(delta, zb, a, z.length, Pointwise.SIGMOID, 0));
        float[] gradient = read(delta);
        for (int i = 0; i < z.length; i++) {
            // The seed gives six decimals (half-unit 5e-7); float32 adds ~3e-8.
            assertEquals(expected[i], gradient[i], 6e-7, "sigmoid'(" + z[i] + ")");
        }
    }

    @Test
    void tanhIsARescaledSigmoid() {
        int n = 257;
        float[] x = new float[n];
        float[] twoX = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -8 + 16f * i / (n - 1);
            twoX[i] = 2 * x[i];
        }
        Buffer tanh = backend.allocate(n);
        Buffer sigmoid = backend.allocate(n);
        run(new Op.BiasActivation(filled(x), backend.allocate(n), tanh, 1, n, Pointwise.TANH, 0),
                new Op.BiasActivation(filled(twoX), backend.allocate(n), sigmoid, 1, n, Pointwise.SIGMOID, 0));
        float[] t = read(tanh);
        float[] s = read(sigmoid);
        for (int i = 0; i < n; i++) {
            // 2 sigma - 1 loses up to ~2 ulp(1) = 2.4e-7 to cancellation near 0; tanh itself ~1 ulp.
            assertEquals(t[i], 2 * s[i] - 1, 4e-7, "tanh(" + x[i] + ")");
        }
    }

    @Test
    void softmaxIsUnchangedWhenPsiIsSubtractedFromEveryTheta() {
        Network network = Network.builder(4).dense(6, Activation.TANH).dense(3, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(5).build();
        Dataset data = Synthetic.blobs(10, 3, 4, 2, 9);
        float[] before = Evaluator.predict(backend, network, data.features(), data.rows());
        SplittableRandom random = new SplittableRandom(3);
        float[] w = network.weights(1);
        float[] b = network.bias(1);
        float psiBias = (float) random.nextDouble(-2, 2);
        float[] psi = new float[6];
        for (int j = 0; j < psi.length; j++) {
            psi[j] = (float) random.nextDouble(-2, 2);
        }
        for (int k = 0; k < 3; k++) {
            b[k] -= psiBias;
            for (int j = 0; j < psi.length; j++) {
                w[k * 6 + j] -= psi[j];
            }
        }
        float[] after = Evaluator.predict(backend, network, data.features(), data.rows());
        for (int i = 0; i < before.length; i++) {
            // The logits shift by psi.x (|.| < ~14); float32 rounding of the shifted logits ~1e-6.
            assertEquals(before[i], after[i], 1e-5, "probability " + i);
        }
    }

    @Test
    void twoClassSoftmaxIsLogisticRegression() {
        Dataset blobs = Synthetic.blobs(20, 2, 3, 1.5, 4);
        Network softmax = Network.builder(3).dense(2, Activation.SOFTMAX).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(8).build();
        float[] classOne = new float[blobs.rows()];
        for (int r = 0; r < blobs.rows(); r++) {
            classOne[r] = blobs.targets()[2 * r + 1];
        }
        Dataset binary = new Dataset(blobs.features(), classOne, blobs.rows(), 3, 1);
        Network logistic = Network.builder(3).dense(1, Activation.SIGMOID).loss(Loss.LOGISTIC).build();
        matchLogistic(softmax, logistic);

        assertSameModel(softmax, logistic, blobs, binary);
        // theta1 - theta0 moves by lr (g1 - g0) = 2 lr g: softmax at lr is logistic regression at 2 lr.
        Trainer.builder(backend).optimizer(Optimizer.sgd(0.1)).batchSize(8).epochs(3).shuffle(false).build()
                .fit(softmax, blobs);
        Trainer.builder(backend).optimizer(Optimizer.sgd(0.2)).batchSize(8).epochs(3).shuffle(false).build()
                .fit(logistic, binary);
        assertSameModel(softmax, logistic, blobs, binary);
    }

    private void matchLogistic(Network softmax, Network logistic) {
        for (int j = 0; j < 3; j++) {
            logistic.weights(0)[j] = softmax.weights(0)[3 + j] - softmax.weights(0)[j];
        }
        logistic.bias(0)[0] = softmax.bias(0)[1] - softmax.bias(0)[0];
    }

    private void assertSameModel(Network softmax, Network logistic, Dataset blobs, Dataset binary) {
        float[] p = Evaluator.predict(backend, softmax, blobs.features(), blobs.rows());
        float[] q = Evaluator.predict(backend, logistic, binary.features(), binary.rows());
        for (int r = 0; r < blobs.rows(); r++) {
            assertEquals(p[2 * r + 1], q[r], 2e-6, "P(class 1) of row " + r);
        }
        assertEquals(Evaluator.evaluate(backend, softmax, blobs).loss(),
                Evaluator.evaluate(backend, logistic, binary).loss(), 2e-6, "cross-entropy equals logistic cost");
    }

    @Test
    void outputDeltaIsTheCostsDerivativeForSigmoidLogisticAndSoftmaxCrossEntropy() {
        for (LossFunction loss : List.of(LossFunction.LOGISTIC, LossFunction.SOFTMAX_CROSS_ENTROPY)) {
            int rows = 3;
            int cols = 4;
            SplittableRandom random = new SplittableRandom(21);
            double[] z = new double[rows * cols];
            float[] y = new float[rows * cols];
            for (int i = 0; i < z.length; i++) {
                z[i] = random.nextDouble(-3, 3);
            }
            for (int r = 0; r < rows; r++) {
                y[r * cols + random.nextInt(cols)] = 1;
            }
            float[] delta = outputDelta(backend, loss, toFloat(z), y, rows, cols);
            try (ReferenceBackend reference = new ReferenceBackend()) {
                for (int i = 0; i < z.length; i++) {
                    double saved = z[i];
                    z[i] = saved + 1e-6;
                    double plus = referenceCost(reference, loss, z, y, rows, cols);
                    z[i] = saved - 1e-6;
                    double minus = referenceCost(reference, loss, z, y, rows, cols);
                    z[i] = saved;
                    double dJdz = rows * (plus - minus) / 2e-6;
                    // delta comes from float32 outputs (~1e-7); the float64 difference quotient is good to ~1e-9.
                    assertEquals(dJdz, delta[i], 1e-6, loss + ": dJ/dz[" + i + "] vs a - y");
                }
            }
        }
    }

    /** Runs the output layer (activation of the logits) and the loss op; returns delta. */
    private static float[] outputDelta(Backend on, LossFunction loss, float[] z, float[] y, int rows, int cols) {
        Buffer logits = on.allocate(z.length);
        on.write(logits, z);
        Buffer h = on.allocate(z.length);
        Buffer delta = on.allocate(z.length);
        Buffer target = on.allocate(y.length);
        on.write(target, y);
        Op activation = loss == LossFunction.LOGISTIC
                ? new Op.BiasActivation(logits, on.allocate(cols), h, rows, cols, Pointwise.SIGMOID, 0)
                : new Op.RowSoftmax(logits, h, rows, cols);
        on.compile(new StepPlan("delta", List.of(activation,
                new Op.LossGradient(loss, h, logits, target, delta, on.allocate(1), rows, cols)))).run();
        float[] result = new float[z.length];
        on.read(delta, result);
        return result;
    }

    private static double referenceCost(ReferenceBackend reference, LossFunction loss, double[] z, float[] y,
                                        int rows, int cols) {
        Buffer logits = reference.allocate(z.length);
        reference.writeDoubles(logits, z);
        Buffer h = reference.allocate(z.length);
        Buffer target = reference.allocate(y.length);
        reference.write(target, y);
        Buffer cost = reference.allocate(1);
        Op activation = loss == LossFunction.LOGISTIC
                ? new Op.BiasActivation(logits, reference.allocate(cols), h, rows, cols, Pointwise.SIGMOID, 0)
                : new Op.RowSoftmax(logits, h, rows, cols);
        reference.compile(new StepPlan("cost", List.of(activation,
                new Op.LossGradient(loss, h, logits, target, null, cost, rows, cols)))).run();
        double[] value = new double[1];
        reference.readDoubles(cost, value);
        return value[0];
    }

    private static float[] toFloat(double[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = (float) values[i];
        }
        return result;
    }

    private Buffer filled(float[] values) {
        Buffer buffer = backend.allocate(values.length);
        backend.write(buffer, values);
        return buffer;
    }

    private float[] read(Buffer buffer) {
        float[] values = new float[buffer.length()];
        backend.read(buffer, values);
        return values;
    }

    private void run(Op... ops) {
        backend.compile(new StepPlan("identity", List.of(ops))).run();
    }
}
