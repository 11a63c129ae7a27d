package dev.gale.compute.reference;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.DropoutMask;
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
        Elements data = elements(target);
        for (int i = 0; i < source.length; i++) {
            data.set(i, source[i]);
        }
    }

    @Override
    public void read(Buffer source, float[] target) {
        Elements data = elements(source);
        for (int i = 0; i < target.length; i++) {
            target[i] = (float) data.get(i);
        }
    }

    /** Full-precision access for gradient checks. */
    @Override
    public void writeDoubles(Buffer target, double[] source) {
        System.arraycopy(source, 0, data(target), target.offset(), source.length);
    }

    @Override
    public void readDoubles(Buffer source, double[] target) {
        System.arraycopy(data(source), source.offset(), target, 0, target.length);
    }

    @Override
    public CompiledPlan compile(StepPlan plan) {
        List<Op> ops = plan.ops();
        ops.forEach(op -> op.buffers().forEach(this::data));
        CompiledPlan.Traffic traffic = new CompiledPlan.Traffic(ops.size(), 0, 0);
        return new CompiledPlan() {
            @Override
            public void run() {
                ops.forEach(ReferenceBackend.this::execute);
            }

            @Override
            public Traffic traffic() {
                return traffic;
            }
        };
    }

    @Override
    public void close() {
    }

    private double[] data(Buffer buffer) {
        return Backend.own(buffer, DoubleBuffer.class, this).data;
    }

    /** A buffer's elements from its own 0, wherever it begins in its whole buffer. */
    private record Elements(double[] data, int offset) {
        double get(int i) {
            return data[offset + i];
        }

        void set(int i, double value) {
            data[offset + i] = value;
        }
    }

    private Elements elements(Buffer buffer) {
        return new Elements(data(buffer), buffer.offset());
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
            case Op.Dropout d -> dropout(d);
            case Op.SgdUpdate u -> sgd(u);
            case Op.MomentumUpdate u -> momentum(u);
            case Op.AdamUpdate u -> adam(u);
            case Op.AllReduce r -> allReduce(r);
        }
    }

    /** Gradients cross between workers in float32, so the reference rounds them to it. */
    private void allReduce(Op.AllReduce op) {
        Elements gradient = elements(op.gradient());
        Elements loss = elements(op.loss());
        float[] values = new float[op.count()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) gradient.get(i);
        }
        loss.set(0, op.collective().allReduce(values, 0, values.length, (float) (op.lossShare() * loss.get(0))));
        for (int i = 0; i < values.length; i++) {
            gradient.set(i, values[i]);
        }
    }

    private void gemm(Op.Gemm g) {
        Elements a = elements(g.a());
        Elements b = elements(g.b());
        Elements c = elements(g.c());
        int m = g.m();
        int n = g.n();
        int k = g.k();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int p = 0; p < k; p++) {
                    double av = g.transposeA() ? a.get(p * m + i) : a.get(i * k + p);
                    double bv = g.transposeB() ? b.get(j * k + p) : b.get(p * n + j);
                    sum += av * bv;
                }
                double scaled = g.alpha() * sum;
                c.set(i * n + j, g.beta() == 0 ? scaled : scaled + g.beta() * c.get(i * n + j));
            }
        }
    }

    private void biasActivation(Op.BiasActivation op) {
        Elements z = elements(op.z());
        Elements bias = elements(op.bias());
        Elements out = elements(op.out());
        for (int r = 0; r < op.rows(); r++) {
            for (int c = 0; c < op.cols(); c++) {
                int i = r * op.cols() + c;
                z.set(i, z.get(i) + bias.get(c));
                out.set(i, Functions.apply(op.function(), op.slope(), z.get(i)));
            }
        }
    }

    private void rowSoftmax(Op.RowSoftmax op) {
        Elements z = elements(op.z());
        Elements out = elements(op.out());
        int cols = op.cols();
        for (int r = 0; r < op.rows(); r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, z.get(r * cols + c));
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(z.get(r * cols + c) - max);
            }
            for (int c = 0; c < cols; c++) {
                out.set(r * cols + c, Math.exp(z.get(r * cols + c) - max) / sum);
            }
        }
    }

    private void activationGradient(Op.ActivationGradient op) {
        Elements delta = elements(op.delta());
        Elements z = elements(op.z());
        Elements a = elements(op.a());
        for (int i = 0; i < op.count(); i++) {
            delta.set(i, delta.get(i) * Functions.derivative(op.function(), op.slope(), z.get(i), a.get(i)));
        }
    }

    private void maxoutForward(Op.MaxoutForward op) {
        Elements z = elements(op.z());
        Elements out = elements(op.out());
        int pieces = op.pieces();
        for (int r = 0; r < op.rows(); r++) {
            for (int u = 0; u < op.units(); u++) {
                int base = (r * op.units() + u) * pieces;
                out.set(r * op.units() + u, z.get(base + argmax(z, base, pieces)));
            }
        }
    }

    private void maxoutBackward(Op.MaxoutBackward op) {
        Elements deltaOut = elements(op.deltaOut());
        Elements z = elements(op.z());
        Elements deltaZ = elements(op.deltaZ());
        int pieces = op.pieces();
        for (int r = 0; r < op.rows(); r++) {
            for (int u = 0; u < op.units(); u++) {
                int base = (r * op.units() + u) * pieces;
                int winner = argmax(z, base, pieces);
                for (int p = 0; p < pieces; p++) {
                    deltaZ.set(base + p, p == winner ? deltaOut.get(r * op.units() + u) : 0);
                }
            }
        }
    }

    private static int argmax(Elements values, int base, int count) {
        int best = 0;
        for (int p = 1; p < count; p++) {
            if (values.get(base + p) > values.get(base + best)) {
                best = p;
            }
        }
        return best;
    }

    private void lossGradient(Op.LossGradient op) {
        Elements h = elements(op.output());
        Elements z = elements(op.logits());
        Elements y = elements(op.target());
        Elements delta = op.delta() == null ? null : elements(op.delta());
        int cols = op.cols();
        double total = 0;
        for (int r = 0; r < op.rows(); r++) {
            int row = r * cols;
            total += switch (op.function()) {
                case LOGISTIC -> {
                    double sum = 0;
                    for (int c = 0; c < cols; c++) {
                        sum += Functions.softplus(z.get(row + c)) - y.get(row + c) * z.get(row + c);
                    }
                    yield sum;
                }
                case SOFTMAX_CROSS_ENTROPY -> {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int c = 0; c < cols; c++) {
                        max = Math.max(max, z.get(row + c));
                    }
                    double sumExp = 0;
                    for (int c = 0; c < cols; c++) {
                        sumExp += Math.exp(z.get(row + c) - max);
                    }
                    double logSumExp = max + Math.log(sumExp);
                    double sum = 0;
                    for (int c = 0; c < cols; c++) {
                        sum += y.get(row + c) * (logSumExp - z.get(row + c));
                    }
                    yield sum;
                }
                case MEAN_SQUARED_ERROR -> {
                    double sum = 0;
                    for (int c = 0; c < cols; c++) {
                        double d = h.get(row + c) - y.get(row + c);
                        sum += 0.5 * d * d;
                    }
                    yield sum;
                }
            };
            if (delta != null) {
                for (int c = 0; c < cols; c++) {
                    delta.set(row + c, h.get(row + c) - y.get(row + c));
                }
            }
        }
        elements(op.loss()).set(0, total / op.rows());
    }

    private void l2Penalty(Op.L2Penalty op) {
        Elements w = elements(op.weights());
        double sum = 0;
        for (int i = 0; i < op.count(); i++) {
            sum += w.get(i) * w.get(i);
        }
        Elements loss = elements(op.loss());
        loss.set(0, loss.get(0) + 0.5 * op.coefficient() * sum);
        if (op.gradient() != null) {
            Elements g = elements(op.gradient());
            for (int i = 0; i < op.count(); i++) {
                g.set(i, g.get(i) + op.coefficient() * w.get(i));
            }
        }
    }

    private void columnSums(Op.ColumnSums op) {
        Elements source = elements(op.source());
        Elements target = elements(op.target());
        for (int c = 0; c < op.cols(); c++) {
            double sum = 0;
            for (int r = 0; r < op.rows(); r++) {
                sum += source.get(r * op.cols() + c);
            }
            target.set(c, op.alpha() * sum);
        }
    }

    private void dropout(Op.Dropout op) {
        Elements in = elements(op.in());
        Elements out = elements(op.out());
        Elements scalars = elements(op.scalars());
        long step = StepScalars.step(scalars.get(StepScalars.STEP_LOW), scalars.get(StepScalars.STEP_HIGH));
        int threshold = DropoutMask.threshold(op.rate());
        double scale = 1.0 / (1.0 - op.rate());
        for (int i = 0; i < op.count(); i++) {
            out.set(i, DropoutMask.kept(op.seed(), step, i, threshold) ? in.get(i) * scale : 0);
        }
    }

    private void sgd(Op.SgdUpdate op) {
        Elements w = elements(op.weights());
        Elements g = elements(op.gradient());
        double lr = elements(op.scalars()).get(StepScalars.LEARNING_RATE);
        for (int i = 0; i < op.count(); i++) {
            w.set(i, w.get(i) - lr * g.get(i));
        }
    }

    private void momentum(Op.MomentumUpdate op) {
        Elements w = elements(op.weights());
        Elements g = elements(op.gradient());
        Elements v = elements(op.velocity());
        double lr = elements(op.scalars()).get(StepScalars.LEARNING_RATE);
        double mu = op.momentum();
        for (int i = 0; i < op.count(); i++) {
            v.set(i, mu * v.get(i) - lr * g.get(i));
            w.set(i, w.get(i) + (op.nesterov() ? mu * v.get(i) - lr * g.get(i) : v.get(i)));
        }
    }

    private void adam(Op.AdamUpdate op) {
        Elements w = elements(op.weights());
        Elements g = elements(op.gradient());
        Elements m = elements(op.firstMoment());
        Elements v = elements(op.secondMoment());
        Elements scalars = elements(op.scalars());
        double lr = scalars.get(StepScalars.LEARNING_RATE);
        double c1 = scalars.get(StepScalars.FIRST_MOMENT_CORRECTION);
        double c2 = scalars.get(StepScalars.SECOND_MOMENT_CORRECTION);
        double b1 = op.beta1();
        double b2 = op.beta2();
        for (int i = 0; i < op.count(); i++) {
            double decay = i < op.decayed() ? op.weightDecay() : 0;
            m.set(i, b1 * m.get(i) + (1 - b1) * g.get(i));
            v.set(i, b2 * v.get(i) + (1 - b2) * g.get(i) * g.get(i));
            w.set(i, w.get(i) - lr * (m.get(i) * c1 / (Math.sqrt(v.get(i) * c2) + op.epsilon()) + decay * w.get(i)));
        }
    }
}
