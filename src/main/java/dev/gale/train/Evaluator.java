package dev.gale.train;

import dev.gale.compute.Backend;
import dev.gale.data.Dataset;
import dev.gale.nn.Network;

/** Evaluation and prediction of a trained network on any backend. */
public final class Evaluator {

    /** Examples per forward pass: large enough to keep GEMMs efficient, small enough for any device. */
    static final int CHUNK_ROWS = 1024;

    private Evaluator() {
    }

    public static Evaluation evaluate(Backend backend, Network network, Dataset data) {
        return runner(backend, network, data.rows()).evaluate(data);
    }

    /** The network's outputs [rows, outputs] for {@code features} [rows, inputs]. */
    public static float[] predict(Backend backend, Network network, float[] features, int rows) {
        return runner(backend, network, rows).predict(features, rows);
    }

    /**
     * The mean-squared-error cost of always predicting the targets' mean, 1/2 sum_k var_k: the
     * least a prediction that ignores its input can reach.
     */
    public static double constantPredictionLoss(Dataset data) {
        int width = data.outputs();
        double[] mean = new double[width];
        float[] targets = data.targets();
        for (int i = 0; i < targets.length; i++) {
            mean[i % width] += targets[i];
        }
        for (int k = 0; k < width; k++) {
            mean[k] /= data.rows();
        }
        double squares = 0;
        for (int i = 0; i < targets.length; i++) {
            double d = targets[i] - mean[i % width];
            squares += d * d;
        }
        return squares / (2.0 * data.rows());
    }

    private static BatchRunner runner(Backend backend, Network network, int rows) {
        return new BatchRunner(ResidentNetwork.forInference(backend, network, Math.min(CHUNK_ROWS, Math.max(rows, 1))));
    }
}
