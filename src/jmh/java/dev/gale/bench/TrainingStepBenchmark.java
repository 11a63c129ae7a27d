package dev.gale.bench;

import dev.gale.compute.Backend;
import dev.gale.nn.Activation;
import dev.gale.nn.Initializer;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import dev.gale.train.Optimizer;
import dev.gale.train.TrainingStep;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * The training step {@link dev.gale.train.Trainer} runs per mini-batch (forward, softmax
 * cross-entropy, backward, Adam update) on one fixed batch, ReLU hidden layers. A network is
 * {@code SIZES/BATCH}, sizes from input to output.
 */
public class TrainingStepBenchmark extends BackendBenchmark {

    @Param({"784-256-128-10/128", "784-1024-1024-10/512"})
    public String network;

    private TrainingStep step;
    private float[] features;
    private float[] targets;
    private long t;

    @Override
    protected void compile(Backend opened) {
        int batch = batch(network);
        Network mlp = network(network);
        step = TrainingStep.compile(opened, mlp, Optimizer.adam(1e-3), batch, 1);
        Operands operands = new Operands(opened);
        features = operands.uniformArray(batch * mlp.inputs());
        targets = operands.oneHot(batch, mlp.outputs());
    }

    /** The network of a {@code SIZES/BATCH} parameter: ReLU hidden layers, softmax cross-entropy. */
    public static Network network(String spec) {
        String[] sizes = spec.substring(0, spec.indexOf('/')).split("-");
        Network.Builder builder = Network.builder(Integer.parseInt(sizes[0]));
        for (int l = 1; l < sizes.length - 1; l++) {
            builder.dense(Integer.parseInt(sizes[l]), Activation.RELU);
        }
        return builder.dense(Integer.parseInt(sizes[sizes.length - 1]), Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .initializer(new Initializer.HeNormal())
                .seed(1)
                .build();
    }

    public static int batch(String spec) {
        return Integer.parseInt(spec.substring(spec.indexOf('/') + 1));
    }

    /** Returns the cost, so that no part of the step can be optimised away. */
    @Benchmark
    public float step() {
        return step.run(features, targets, ++t, 1e-3);
    }
}
