package dev.gale.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.reference.ReferenceBackend;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpTest {

    private final ReferenceBackend backend = new ReferenceBackend();

    @Test
    void shapesAreCheckedAgainstBuffersWhenTheOpIsMade() {
        Buffer six = backend.allocate(6);
        Buffer five = backend.allocate(5);
        new Op.Gemm(six, false, six, true, six, 2, 3, 2, 1, 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Op.Gemm(six, false, six, false, five, 2, 3, 2, 1, 0));
        assertTrue(e.getMessage().contains("C holds 5 floats, the op needs 6"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Op.ColumnSums(six, six, 0, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new Op.MaxoutForward(six, six, 1, 2, 4));
        assertThrows(NullPointerException.class, () -> new Op.RowSoftmax(null, six, 1, 6));
        assertThrows(IllegalArgumentException.class, () -> new StepPlan("empty", List.of()));
    }

    @Test
    void buffersListsEveryOperandAndSkipsAbsentOptionalOnes() {
        Buffer h = backend.allocate(4);
        Buffer z = backend.allocate(4);
        Buffer y = backend.allocate(4);
        Buffer loss = backend.allocate(1);
        Buffer delta = backend.allocate(4);
        assertEquals(List.of(h, z, y, delta, loss),
                new Op.LossGradient(LossFunction.LOGISTIC, h, z, y, delta, loss, 2, 2).buffers());
        assertEquals(List.of(h, z, y, loss),
                new Op.LossGradient(LossFunction.LOGISTIC, h, z, y, null, loss, 2, 2).buffers());
    }

    @Test
    void aBackendRefusesBuffersItDidNotAllocate() {
        Buffer foreign = () -> 4;
        Buffer own = backend.allocate(4);
        StepPlan plan = new StepPlan("mixed", List.of(new Op.RowSoftmax(foreign, own, 2, 2)));
        assertThrows(IllegalArgumentException.class, () -> backend.compile(plan));
    }

    @Test
    void writesNamesTheOutputsAndAPlanChecksItsDeclaredInputsAndOutputs() {
        Buffer z = backend.allocate(4);
        Buffer out = backend.allocate(4);
        Buffer unused = backend.allocate(4);
        Op softmax = new Op.RowSoftmax(z, out, 2, 2);
        assertEquals(List.of(out), softmax.writes());
        assertTrue(softmax.buffers().containsAll(softmax.writes()));
        new StepPlan("ok", List.of(softmax), List.of(z), List.of(out));
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class,
                () -> new StepPlan("bad", List.of(softmax), List.of(unused), List.of()));
        assertTrue(input.getMessage().contains("not used"), input.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StepPlan("bad", List.of(softmax), List.of(), List.of(z)));
    }
}
