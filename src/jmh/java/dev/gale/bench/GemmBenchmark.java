package dev.gale.bench;

import dev.gale.compute.Backend;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;

/**
 * One {@link Op.Gemm} as a plan of its own, compiled by the backend under test: the GEMMs of a
 * 784-256-128-10 training step at batch 128, and square sizes.
 *
 * <p>A shape is {@code MxNxK:AB}: C is m x n, the sum runs over k, and A and B say whether each
 * operand is stored as is (N) or transposed (T). The step's forward GEMMs are X·Wᵀ (NT), its
 * weight gradients dZᵀ·A (TN) and its input gradients dZ·W (NN).
 */
public class GemmBenchmark extends BackendBenchmark {

    @Param({
        "128x256x784:NT", "128x128x256:NT", "128x10x128:NT",
        "10x128x128:TN", "128x256x128:TN", "256x784x128:TN",
        "128x128x10:NN", "128x256x128:NN",
        "512x512x512:NN", "1024x1024x1024:NN", "2048x2048x2048:NN"})
    public String shape;

    private CompiledPlan plan;

    @Override
    protected void compile(Backend opened) {
        String[] sizes = shape.substring(0, shape.indexOf(':')).split("x");
        int m = Integer.parseInt(sizes[0]);
        int n = Integer.parseInt(sizes[1]);
        int k = Integer.parseInt(sizes[2]);
        boolean transposeA = shape.charAt(shape.length() - 2) == 'T';
        boolean transposeB = shape.charAt(shape.length() - 1) == 'T';
        Operands operands = new Operands(opened);
        Op gemm = new Op.Gemm(operands.uniform(m * k), transposeA, operands.uniform(k * n), transposeB,
                operands.uniform(m * n), m, n, k, 1f, 0f);
        plan = opened.compile(new StepPlan("gemm " + shape, List.of(gemm)));
    }

    @Benchmark
    public void gemm() {
        plan.run();
    }
}
