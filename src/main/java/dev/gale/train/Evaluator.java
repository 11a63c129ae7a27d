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

    private static BatchRunner runner(Backend backend, Network network, int rows) {
        return new BatchRunner(ResidentNetwork.forInference(backend, network, Math.min(CHUNK_ROWS, Math.max(rows, 1))));
    }
}
