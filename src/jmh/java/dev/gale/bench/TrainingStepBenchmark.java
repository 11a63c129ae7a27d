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
        String[] sizes = network.substring(0, network.indexOf('/')).split("-");
        int batch = Integer.parseInt(network.substring(network.indexOf('/') + 1));
        Network.Builder builder = Network.builder(Integer.parseInt(sizes[0]));
        for (int l = 1; l < sizes.length - 1; l++) {
            builder.dense(Integer.parseInt(sizes[l]), Activation.RELU);
        }
        int classes = Integer.parseInt(sizes[sizes.length - 1]);
        Network mlp = builder.dense(classes, Activation.SOFTMAX)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .initializer(new Initializer.HeNormal())
                .seed(1)
                .build();
        step = TrainingStep.compile(opened, mlp, Optimizer.adam(1e-3), batch);
        Operands operands = new Operands(opened);
        features = operands.uniformArray(batch * mlp.inputs());
        targets = operands.oneHot(batch, classes);
    }

    /** Returns the cost, so that no part of the step can be optimised away. */
    @Benchmark
    public float step() {
        return step.run(features, targets, ++t, 1e-3);
    }
}
