package dev.gale.bench;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.Op;
import dev.gale.compute.Pointwise;
import dev.gale.compute.StepPlan;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * The fused bias + activation kernel ({@link Op.BiasActivation}) that follows every forward GEMM,
 * at the first hidden layer of the benchmarked networks. A shape is {@code ROWSxCOLS}.
 */
public class BiasActivationBenchmark extends BackendBenchmark {

    @Param({"128x256", "512x1024"})
    public String shape;

    @Param({"RELU", "TANH"})
    public Pointwise function;

    private CompiledPlan plan;

    @Override
    protected void compile(Backend opened) {
        String[] sizes = shape.split("x");
        int rows = Integer.parseInt(sizes[0]);
        int cols = Integer.parseInt(sizes[1]);
        Operands operands = new Operands(opened);
        Buffer z = operands.uniform(rows * cols);
        // The op adds the bias to z in place; a zero bias keeps z the same from run to run, and the
        // kernels take the same time whatever the values.
        Buffer bias = opened.allocate(cols);
        Op op = new Op.BiasActivation(z, bias, opened.allocate(rows * cols), rows, cols, function, 0.01f);
        plan = opened.compile(new StepPlan("bias+" + function, List.of(op)));
    }

    @Benchmark
    public void biasActivation() {
        plan.run();
    }
}
