package dev.gale.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every backend hands the op's range and weighted cost to the collective and keeps what comes back. */
class AllReduceOpTest {

    /** One other worker, as the collective sees it: its values and its weighted cost are added. */
    private static final class OtherWorker implements Collective {
        private final float[] other;
        private final float otherScalar;

        OtherWorker(float[] other, float otherScalar) {
            this.other = other;
            this.otherScalar = otherScalar;
        }

        @Override
        public int workers() {
            return 2;
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public float allReduce(float[] values, int offset, int count, float scalar) {
            assertEquals(other.length, count);
            for (int i = 0; i < count; i++) {
                values[offset + i] += other[i];
            }
            return scalar + otherScalar;
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"cpu", "reference"})
    void sumsTheSliceAndTheWeightedCost(String name) {
        try (Backend backend = Backends.open(name, 1)) {
            Buffer arena = backend.allocate(6);
            Buffer loss = backend.allocate(1);
            backend.write(arena, new float[] {9, 1, 2, 3, 4, 9});
            backend.write(loss, new float[] {0.5f});
            // The middle four elements, as a gradient arena's slice; the ends stay as they are.
            Buffer gradient = arena.slice(1, 4);
            Collective collective = new OtherWorker(new float[] {10, 20, 30, 40}, 0.25f);
            backend.compile(new StepPlan("exchange", List.of(new Op.AllReduce(gradient, loss, 4, 0.5f, collective))))
                    .run();
            float[] values = new float[6];
            backend.read(arena, values);
            assertArrayEquals(new float[] {9, 11, 22, 33, 44, 9}, values);
            float[] cost = new float[1];
            backend.read(loss, cost);
            assertEquals(0.5f * 0.5f + 0.25f, cost[0], "half the batch's cost plus the other worker's share");
        }
    }
}
