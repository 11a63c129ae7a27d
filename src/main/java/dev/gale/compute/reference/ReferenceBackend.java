package dev.gale.compute.reference;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import dev.gale.compute.StepScalars;
import java.util.List;

/**
 * The float64 oracle: every op as the plainest loop that states its definition, computed in double
 * precision on one thread. Tests hold the fast backends to it, and gradient checks run on it.
 */
public final class ReferenceBackend implements Backend {

    /** A buffer of doubles; float32 data is widened on write and rounded on read. */
    public static final class DoubleBuffer implements Buffer {
        final double[] data;

        DoubleBuffer(int length) {
            data = new double[length];
        }

        @Override
        public int length() {
            return data.length;
        }
    }

    @Override
    public String description() {
        return "reference (float64, 1 thread)";
    }

    @Override
    public Buffer allocate(int length) {
        return new DoubleBuffer(length);
    }

    @Override
    public void write(Buffer target, float[] source) {
        double[] data = data(target);
        for (int i = 0; i < source.length; i++) {
            data[i] = source[i];
        }
    }

    @Override
    public void read(Buffer source, float[] target) {
        double[] data = data(source);
        for (int i = 0; i < target.length; i++) {
            target[i] = (float) data[i];
        }
    }

    /** Full-precision access for gradient checks. */
    @Override
    public void writeDoubles(Buffer target, double[] source) {
        System.arraycopy(source, 0, data(target), 0, source.length);
    }

    @Override
    public void readDoubles(Buffer source, double[] target) {
        System.arraycopy(data(source), 0, target, 0, target.length);
    }

    @Override
    public CompiledPlan compile(StepPlan plan) {
        List<Op> ops = plan.ops();
        ops.forEach(op -> op.buffers().forEach(this::data));
        return () -> ops.forEach(this::execute);
    }

    @Override
    public void close() {
    }

    private double[] data(Buffer buffer) {
        return Backend.own(buffer, DoubleBuffer.class, this).data;
    }

    private void execute(Op op) {
        switch (op) {
            case Op.Gemm g -> gemm(g);
            case Op.BiasActivation b -> biasActivation(b);
            case Op.RowSoftmax s -> rowSoftmax(s);
            case Op.ActivationGradient a -> activationGradient(a);
            case Op.MaxoutForward m -> maxoutForward(m);
            case Op.MaxoutBackward m -> maxoutBackward(m);
            case Op.LossGradient l -> lossGradient(l);
            case Op.L2Penalty p -> l2Penalty(p);
            case Op.ColumnSums s -> columnSums(s);
            case Op.SgdUpdate u -> sgd(u);
            case Op.MomentumUpdate u -> momentum(u);
            case Op.AdamUpdate u -> adam(u);
        }
    }

    private void gemm(Op.Gemm g) {
        double[] a = data(g.a());
        double[] b = data(g.b());
        double[] c = data(g.c());
        int m = g.m();
        int n = g.n();
        int k = g.k();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = g.transposeA() ? a[p * m + i] : a[i * k + p];
                    double bv = g.transposeB() ? b[j * k + p] : b[p * n + j];
                    sum += av * bv;
                }
                double scaled = g.alpha() * sum;
                c[i * n + j] = g.beta() == 0 ? scaled : scaled + g.beta() * c[i * n + j];
            }
        }
    }

    private void biasActivation(Op.BiasActivation op) {
        double[] z = data(op.z());
        double[] bias = data(op.bias());
        double[] out = data(op.out());
        for (int r = 0; r < op.rows(); r++) {
            for (int c = 0; c < op.cols(); c++) {
                int i = r * op.cols() + c;
                z[i] += bias[c];
                out[i] = Functions.apply(op.function(), op.slope(), z[i]);
            }
        }
    }

    private void rowSoftmax(Op.RowSoftmax op) {
        double[] z = data(op.z());
        double[] out = data(op.out());
        int cols = op.cols();
        for (int r = 0; r < op.rows(); r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, z[r * cols + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(z[r * cols + c] - max);
            }
            for (int c = 0; c < cols; c++) {
                out[r * cols + c] = Math.exp(z[r * cols + c] - max) / sum;
            }
        }
    }

    private void activationGradient(Op.ActivationGradient op) {
        double[] delta = data(op.delta());
        double[] z = data(op.z());
        double[] a = data(op.a());
        for (int i = 0; i < op.count(); i++) {
            delta[i] *= Functions.derivative(op.function(), op.slope(), z[i], a[i]);
        }
    }

    private void maxoutForward(Op.MaxoutForward op) {
        double[] z = data(op.z());
        double[] out = data(op.out());
        int pieces = op.pieces();
        for (int r = 0; r < op.rows(); r++) {
            for (int u = 0; u < op.units(); u++) {
                int base = (r * op.units() + u) * pieces;
                out[r * op.units() + u] = z[base + argmax(z, base, pieces)];
            }
        }
    }

    private void maxoutBackward(Op.MaxoutBackward op) {
        double[] deltaOut = data(op.deltaOut());
        double[] z = data(op.z());
        double[] deltaZ = data(op.deltaZ());
        int pieces = op.pieces();
        for (int r = 0; r < op.rows(); r++) {
            for (int u = 0; u < op.units(); u++) {
                int base = (r * op.units() + u) * pieces;
                int winner = argmax(z, base, pieces);
                for (int p = 0; p < pieces; p++) {
                    deltaZ[base + p] = p == winner ? deltaOut[r * op.units() + u] : 0;
                }
            }
        }
    }

    private static int argmax(double[] values, int base, int count) {
        int best = 0;
        for (int p = 1; p < count; p++) {
            if (values[base + p] > values[base + best]) {
                best = p;
            }
        }
        return best;
    }

    private void lossGradient(Op.LossGradient op) {
        double[] h = data(op.output());
        double[] z = data(op.logits());
        double[] y = data(op.target());
        double[] delta = op.delta() == null ? null : data(op.delta());
        int cols = op.cols();
        double total = 0;
        for (int r = 0; r < op.rows(); r++) {
            int row = r * cols;
            total += switch (op.function()) {
                case LOGISTIC -> {
                    double sum = 0;
                    for (int c = 0; c < cols; c++) {
                        sum += Functions.softplus(z[row + c]) - y[row + c] * z[row + c];
                    }
                    yield sum;
                }
                case SOFTMAX_CROSS_ENTROPY -> {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < cols; c++) {
                        max = Math.max(max, z[row + c]);
                    }
                    double sumExp = 0;
                    for (int c = 0; c < cols; c++) {
                        sumExp += Math.exp(z[row + c] - max);
                    }
                    double logSumExp = max + Math.log(sumExp);
                    double sum = 0;
                    for (int c = 0; c < cols; c++) {
                        sum += y[row + c] * (logSumExp - z[row + c]);
                    }
                    yield sum;
                }
                case MEAN_SQUARED_ERROR -> {
                    double sum = 0;
                    for (int c = 0; c < cols; c++) {
                        double d = h[row + c] - y[row + c];
                        sum += 0.5 * d * d;
                    }
                    yield sum;
                }
            };
            if (delta != null) {
                for (int c = 0; c < cols; c++) {
                    delta[row + c] = h[row + c] - y[row + c];
                }
            }
        }
        data(op.loss())[0] = total / op.rows();
    }

    private void l2Penalty(Op.L2Penalty op) {
        double[] w = data(op.weights());
        double sum = 0;
        for (int i = 0; i < op.count(); i++) {
            sum += w[i] * w[i];
        }
        data(op.loss())[0] += 0.5 * op.coefficient() * sum;
        if (op.gradient() != null) {
            double[] g = data(op.gradient());
            for (int i = 0; i < op.count(); i++) {
                g[i] += op.coefficient() * w[i];
            }
        }
    }

    private void columnSums(Op.ColumnSums op) {
        double[] source = data(op.source());
        double[] target = data(op.target());
        for (int c = 0; c < op.cols(); c++) {
            double sum = 0;
            for (int r = 0; r < op.rows(); r++) {
                sum += source[r * op.cols() + c];
            }
            target[c] = op.alpha() * sum;
        }
    }

    private void sgd(Op.SgdUpdate op) {
        double[] w = data(op.weights());
        double[] g = data(op.gradient());
        double lr = data(op.scalars())[StepScalars.LEARNING_RATE];
        for (int i = 0; i < op.count(); i++) {
            w[i] -= lr * g[i];
        }
    }

    private void momentum(Op.MomentumUpdate op) {
        double[] w = data(op.weights());
        double[] g = data(op.gradient());
        double[] v = data(op.velocity());
        double lr = data(op.scalars())[StepScalars.LEARNING_RATE];
        double mu = op.momentum();
        for (int i = 0; i < op.count(); i++) {
            v[i] = mu * v[i] - lr * g[i];
            w[i] += op.nesterov() ? mu * v[i] - lr * g[i] : v[i];
        }
    }

    private void adam(Op.AdamUpdate op) {
        double[] w = data(op.weights());
        double[] g = data(op.gradient());
        double[] m = data(op.firstMoment());
        double[] v = data(op.secondMoment());
        double[] scalars = data(op.scalars());
        double lr = scalars[StepScalars.LEARNING_RATE];
        double c1 = scalars[StepScalars.FIRST_MOMENT_CORRECTION];
        double c2 = scalars[StepScalars.SECOND_MOMENT_CORRECTION];
        double b1 = op.beta1();
        double b2 = op.beta2();
        for (int i = 0; i < op.count(); i++) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            w[i] -= lr * (m[i] * c1 / (Math.sqrt(v[i] * c2) + op.epsilon()) + op.weightDecay() * w[i]);
        }
    }
}
