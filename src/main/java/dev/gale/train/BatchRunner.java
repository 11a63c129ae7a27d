package dev.gale.train;

import dev.gale.compute.CompiledPlan;
import dev.gale.compute.StepPlan;
import dev.gale.data.Dataset;
import dev.gale.nn.Loss;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Runs forward-only work over a resident network in chunks of its batch rows: evaluation and
 * prediction. Plans are compiled once per chunk size, so a full chunk and one tail cover any dataset.
 */
final class BatchRunner {

    private final ResidentNetwork r;
    private final Map<Integer, CompiledPlan> lossPlans = new HashMap<>();
    private final Map<Integer, CompiledPlan> predictionPlans = new HashMap<>();
    private final Map<Integer, CompiledPlan> penaltyPlans = new HashMap<>();
    private final float[] loss = new float[1];

    BatchRunner(ResidentNetwork r) {
        this.r = r;
    }

    Evaluation evaluate(Dataset data) {
        r.network.requireFits(data.inputs(), data.outputs(), "the data");
        int outputs = r.network.outputs();
        double total = 0;
        ConfusionMatrix confusion = r.network.loss() == Loss.MEAN_SQUARED_ERROR ? null : ConfusionMatrix.empty(outputs);
        for (int start = 0; start < data.rows(); start += r.maxRows) {
            int rows = Math.min(r.maxRows, data.rows() - start);
            r.backend.write(r.input, Arrays.copyOfRange(data.features(), start * data.inputs(), (start + rows) * data.inputs()));
            float[] targets = Arrays.copyOfRange(data.targets(), start * outputs, (start + rows) * outputs);
            r.backend.write(r.target, targets);
            plan(lossPlans, rows, StepPlanner::dataLoss).run();
            r.backend.read(r.loss, loss);
            total += (double) loss[0] * rows;
            if (confusion != null) {
                float[] predictions = new float[rows * outputs];
                r.backend.read(r.output(), predictions);
                confusion.add(predictions, targets, rows, outputs);
            }
        }
        double cost = total / data.rows() + penalty(data.rows());
        return new Evaluation(cost, confusion == null ? Double.NaN : confusion.accuracy(), data.rows(), confusion);
    }

    /** Network outputs [rows, outputs] for features [rows, inputs]. */
    float[] predict(float[] features, int rows) {
        int inputs = r.network.inputs();
        if (features.length != (long) rows * inputs) {
            throw new IllegalArgumentException("expected " + rows + " rows of " + inputs + " features, got "
                    + features.length + " values");
        }
        int outputs = r.network.outputs();
        float[] result = new float[rows * outputs];
        for (int start = 0; start < rows; start += r.maxRows) {
            int n = Math.min(r.maxRows, rows - start);
            r.backend.write(r.input, Arrays.copyOfRange(features, start * inputs, (start + n) * inputs));
            plan(predictionPlans, n, StepPlanner::prediction).run();
            float[] out = new float[n * outputs];
            r.backend.read(r.output(), out);
            System.arraycopy(out, 0, result, start * outputs, n * outputs);
        }
        return result;
    }

    private double penalty(int examples) {
        if (r.network.l2() == 0) {
            return 0;
        }
        loss[0] = 0;
        r.backend.write(r.loss, loss);
        plan(penaltyPlans, examples, StepPlanner::penalty).run();
        r.backend.read(r.loss, loss);
        return loss[0];
    }

    private CompiledPlan plan(Map<Integer, CompiledPlan> cache, int rows,
                              BiFunction<ResidentNetwork, Integer, StepPlan> planner) {
        return cache.computeIfAbsent(rows, n -> r.backend.compile(planner.apply(r, n)));
    }
}
