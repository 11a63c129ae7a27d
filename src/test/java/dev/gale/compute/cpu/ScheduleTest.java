package dev.gale.compute.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.Op;
import dev.gale.compute.Pointwise;
import dev.gale.compute.StepPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A compiled plan runs a GEMM's element-wise successor on each band of C, and consecutive ops that
 * share no data as one stage: neither may change a single bit of what the ops compute one by one.
 */
class ScheduleTest {

    @Test
    void fusesEpiloguesAndGroupsOpsThatShareNoData() {
        try (CpuBackend backend = new CpuBackend(2)) {
            List<Op> ops = SteadyStateAllocationTest.everyOp(backend, Pointwise.TANH).ops();
            String schedule = backend.schedule(ops).stream()
                    .map(stage -> stage.stream()
                            .map(unit -> unit.stream().map(op -> op.getClass().getSimpleName())
                                    .collect(Collectors.joining("+")))
                            .collect(Collectors.joining(", ", "[", "]")))
                    .collect(Collectors.joining(" "));
            // The maxout and the output GEMM only read the first layer's output; the L2 penalty,
            // both gradient GEMMs of the output layer and the maxout gradient write four different
            // arrays; the first layer's weight and bias gradients both read delta1; the updates
            // touch one parameter each.
            assertEquals("[Gemm+BiasActivation] [MaxoutForward, Gemm] [RowSoftmax] [LossGradient]"
                    + " [L2Penalty, Gemm, Gemm+ActivationGradient, MaxoutBackward] [Gemm, ColumnSums]"
                    + " [SgdUpdate, MomentumUpdate, AdamUpdate, Dropout]", schedule);
        }
    }

    @ParameterizedTest
    @CsvSource({"1, true", "3, true", "1, false", "3, false"})
    void aWholePlanComputesTheBitsOfItsOpsRunOneByOne(int threads, boolean vectorized) {
        try (CpuBackend whole = new CpuBackend(threads, vectorized);
             CpuBackend oneByOne = new CpuBackend(threads, vectorized)) {
            StepPlan plan = SteadyStateAllocationTest.everyOp(whole, Pointwise.TANH);
            StepPlan same = SteadyStateAllocationTest.everyOp(oneByOne, Pointwise.TANH);
            CompiledPlan compiled = whole.compile(plan);
            List<CompiledPlan> ops = new ArrayList<>();
            for (Op op : same.ops()) {
                ops.add(oneByOne.compile(new StepPlan("one op", List.of(op))));
            }
            for (int run = 0; run < 3; run++) {
                compiled.run();
                ops.forEach(CompiledPlan::run);
            }
            List<Buffer> expected = List.copyOf(same.buffers());
            List<Buffer> actual = List.copyOf(plan.buffers());
            for (int i = 0; i < expected.size(); i++) {
                assertArrayEquals(bits(oneByOne, expected.get(i)), bits(whole, actual.get(i)), "buffer " + i);
            }
        }
    }

    private static int[] bits(CpuBackend backend, Buffer buffer) {
        float[] values = new float[buffer.length()];
        backend.read(buffer, values);
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
