package dev.gale.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.train.ConfusionMatrix;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {

    private static final ConfusionMatrix MATRIX = new ConfusionMatrix(new long[][] {{95, 3, 2}, {10, 80, 10}, {0, 1, 99}});

    @TempDir
    Path dir;

    @Test
    void countsAreDarkOnLightCellsAndLightOnDarkOnes() {
        assertEquals(Color.BLACK, Plots.countColour(Plots.scaleColour(0)));
        assertEquals(Color.BLACK, Plots.countColour(Plots.scaleColour(0.5)));
        assertEquals(Color.WHITE, Plots.countColour(Plots.scaleColour(0.8)));
        assertEquals(Color.WHITE, Plots.countColour(Plots.scaleColour(1)));
    }

    @Test
    void theColourScaleIsNumberedInRoundSteps() {
        assertEquals(List.of(0L, 200L, 400L, 600L, 800L), Plots.scaleTicks(985));
        assertEquals(List.of(0L, 2000L, 4000L), Plots.scaleTicks(5580));
        assertEquals(List.of(0L, 1L, 2L, 3L), Plots.scaleTicks(3));
        assertEquals(List.of(0L, 1L), Plots.scaleTicks(1));
    }

    @Test
    void classesGoByNameWhenKnownElseByNumber() {
        assertEquals(List.of("0", "1", "2"), Plots.classLabels(3, List.of()));
        List<String> names = List.of("cat", "dog", "bird");
        assertEquals(names, Plots.classLabels(3, names));
        assertThrows(IllegalArgumentException.class, () -> Plots.classLabels(2, names));
    }

    @Test
    void theConfusionPlotMakesRoomForClassNames() throws IOException {
        BufferedImage numbered = plot("numbered.png", List.of());
        BufferedImage named = plot("named.png", List.of("T-shirt/top", "Trouser", "Ankle boot"));
        assertTrue(named.getWidth() > numbered.getWidth(), "names take more room than numbers beside the rows");
    }

    private BufferedImage plot(String name, List<String> classNames) throws IOException {
        Path file = dir.resolve(name);
        Plots.confusion(file, MATRIX, "test set", classNames);
        return ImageIO.read(file.toFile());
    }
}
