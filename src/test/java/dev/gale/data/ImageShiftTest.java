package dev.gale.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageShiftTest {

    private static final int HEIGHT = 5;
    private static final int WIDTH = 7;
    private static final float BACKGROUND = -0.25f;

    /** Two images side by side, every pixel a different value, so that any misplaced pixel shows. */
    private static float[] images() {
        float[] pixels = new float[2 * HEIGHT * WIDTH];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = i + 1;
        }
        return pixels;
    }

    @Test
    void aMovedImageIsTheImageMovedWholeWithTheBackgroundMovedIn() {
        ImageShift shift = new ImageShift(2, 0.7, HEIGHT, WIDTH, BACKGROUND);
        float[] source = images();
        int moved = 0;
        for (int example = 0; example < 2000; example++) {
            int from = (example % 2) * HEIGHT * WIDTH;
            // The target sits at an offset of its own, between guards that must stay untouched.
            float[] target = new float[HEIGHT * WIDTH + 6];
            Arrays.fill(target, Float.NaN);
            shift.apply(source, from, target, 3, 11, 4, example);
            int[] move = shift.move(11, 4, example);
            int down = move == null ? 0 : move[0];
            int right = move == null ? 0 : move[1];
            moved += move == null ? 0 : 1;
            for (int y = 0; y < HEIGHT; y++) {
                for (int x = 0; x < WIDTH; x++) {
                    int sy = y - down;
                    int sx = x - right;
                    float expected = sy < 0 || sy >= HEIGHT || sx < 0 || sx >= WIDTH
                            ? BACKGROUND : source[from + sy * WIDTH + sx];
                    assertEquals(expected, target[3 + y * WIDTH + x], "example " + example + " pixel " + y + "," + x);
                }
            }
            for (int guard : new int[] {0, 1, 2, target.length - 3, target.length - 2, target.length - 1}) {
                assertTrue(Float.isNaN(target[guard]), "example " + example + " wrote outside its image");
            }
        }
        assertTrue(moved > 1000 && moved < 1800, moved + " of 2000 moved at a probability of 0.7");
    }

    @Test
    void movesComeAtTheirProbabilityAndEveryOffsetEquallyOften() {
        int examples = 1_000_000;
        double probability = 0.3;
        ImageShift shift = new ImageShift(1, probability, HEIGHT, WIDTH, 0);
        long[] counts = new long[9];
        long moved = 0;
        for (int example = 0; example < examples; example++) {
            int[] move = shift.move(7, 2, example);
            if (move != null) {
                moved++;
                counts[(move[0] + 1) * 3 + move[1] + 1]++;
            }
        }
        // Five binomial standard deviations: a correct generator fails this about once in 1.7 million runs.
        double sd = Math.sqrt(examples * probability * (1 - probability));
        assertEquals(examples * probability, moved, 5 * sd, "examples moved");
        double perOffset = moved / 9.0;
        double offsetSd = Math.sqrt(moved * (1 / 9.0) * (8 / 9.0));
        for (int offset = 0; offset < 9; offset++) {
            assertEquals(perOffset, counts[offset], 5 * offsetSd, "offset " + (offset / 3 - 1) + "," + (offset % 3 - 1));
        }
    }

    @Test
    void theMoveDependsOnTheSeedTheEpochAndTheExampleAlone() {
        ImageShift shift = new ImageShift(2, 1, HEIGHT, WIDTH, 0);
        int sameEpochs = 0;
        int sameSeeds = 0;
        for (int example = 0; example < 1000; example++) {
            int[] move = shift.move(3, 5, example);
            assertNotNull(move, "a probability of 1 moves every example");
            assertArrayEquals(move, new ImageShift(2, 1, HEIGHT, WIDTH, 1).move(3, 5, example), "asked again");
            sameEpochs += Arrays.equals(move, shift.move(3, 6, example)) ? 1 : 0;
            sameSeeds += Arrays.equals(move, shift.move(4, 5, example)) ? 1 : 0;
        }
        // 25 offsets: another epoch or seed repeats a move about once in 25, 40 times in 1000.
        assertTrue(sameEpochs < 80, sameEpochs + " of 1000 moves repeated in the next epoch");
        assertTrue(sameSeeds < 80, sameSeeds + " of 1000 moves repeated with the next seed");
    }

    @Test
    void anUnmovedExampleIsCopiedAsItIs() {
        ImageShift shift = new ImageShift(1, 1e-6, HEIGHT, WIDTH, BACKGROUND);
        float[] source = images();
        for (int example = 0; example < 100; example++) {
            assertNull(shift.move(1, 0, example));
            float[] target = new float[HEIGHT * WIDTH];
            shift.apply(source, HEIGHT * WIDTH, target, 0, 1, 0, example);
            assertArrayEquals(Arrays.copyOfRange(source, HEIGHT * WIDTH, 2 * HEIGHT * WIDTH), target);
        }
    }

    @Test
    void settingsThatCannotMoveAnImageAreRefused() {
        for (double probability : new double[] {0, -0.5, 1.5, Double.NaN}) {
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> new ImageShift(1, probability, HEIGHT, WIDTH, 0)).getMessage()
                    .contains("needs a probability in (0, 1], got " + probability));
        }
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ImageShift(0, 1, HEIGHT, WIDTH, 0))
                .getMessage().contains("at least 1 pixel, got 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ImageShift(5, 1, HEIGHT, WIDTH, 0))
                .getMessage().contains("shift by fewer than 5 pixels"));
    }
}
