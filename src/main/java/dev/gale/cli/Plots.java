package dev.gale.cli;

import dev.gale.io.AtomicFile;
import dev.gale.run.TrainingRun;
import dev.gale.train.ConfusionMatrix;
import dev.gale.train.EpochReport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.FontRenderContext;
import java.awt.font.LineMetrics;
import java.awt.geom.AffineTransform;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import javax.imageio.ImageIO;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The run's pictures, drawn with XChart and written atomically as PNG. */
final class Plots {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 440;
    /** Light to dark blue (ColorBrewer's Blues) for counts from 0 to the largest. */
    private static final Color[] SCALE = {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08306B)};

    private Plots() {
    }

    /** FILE.png's companion FILE-confusion.png. */
    static Path confusionPath(Path plot) {
        String name = plot.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        return plot.resolveSibling(stem + "-confusion.png");
    }

    /**
     * Loss (left) and accuracy (right) per epoch, training and validation. When the saved weights are
     * not the last epoch's (early stopping), a vertical line marks {@code keptEpoch} (from 0) in both.
     */
    static void curves(Path file, List<EpochReport> reports, String title, int keptEpoch)
            throws IOException {
        double[] epochs = new double[reports.size()];
        double[] trainLoss = new double[reports.size()];
        double[] valLoss = new double[reports.size()];
        double[] trainAcc = new double[reports.size()];
        double[] valAcc = new double[reports.size()];
        for (int i = 0; i < reports.size(); i++) {
            EpochReport r = reports.get(i);
            epochs[i] = r.epoch() + 1;
            trainLoss[i] = r.trainingLoss();
            valLoss[i] = r.validationLoss();
            trainAcc[i] = r.trainingAccuracy();
            valAcc[i] = r.validationAccuracy();
        }
        XYChart loss = chart("Loss: " + title, "loss");
        // The training loss is averaged while the weights change, the validation loss measured after the epoch.
        series(loss, "training (mean over the epoch)", epochs, trainLoss);
        series(loss, "validation", epochs, valLoss);
        boolean marked = keptEpoch >= 0 && keptEpoch < reports.size() - 1;
        XYChart accuracy = chart(marked ? "Accuracy; saved weights: epoch " + (keptEpoch + 1) + " (line)" : "Accuracy",
                "accuracy");
        series(accuracy, "training (first " + String.format("%,d", TrainingRun.ACCURACY_SAMPLE) + " examples)", epochs, trainAcc);
        series(accuracy, "validation", epochs, valAcc);
        accuracy.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE);
        if (marked) {
            for (XYChart chart : List.of(loss, accuracy)) {
                chart.addAnnotation(new AnnotationLine(keptEpoch + 1, true, false));
                chart.getStyler().setAnnotationLineColor(Color.GRAY)
                        .setAnnotationLineStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10,
                                new float[] {6, 4}, 0));
            }
        }
        List<XYChart> charts = new ArrayList<>(List.of(loss));
        if (accuracy.getSeriesMap().size() > 0) {
            charts.add(accuracy);
        }
        AtomicFile.write(file, out -> BitmapEncoder.saveBitmap(charts, 1, charts.size(), out,
                BitmapEncoder.BitmapFormat.PNG));
    }

    /** {@link #confusion(Path, ConfusionMatrix, String, List)} with the classes by number. */
    /**
     * Counts per (true, predicted) pair, true class 0 in the top row, each count written in its cell,
     * beside a colour scale. {@code classNames} name the classes in label order; empty for numbers.
     */
    static void confusion(Path file, ConfusionMatrix matrix, String title, List<String> classNames) throws IOException {
        BufferedImage image = new ConfusionPicture(matrix, "Confusion matrix, " + title,
                classLabels(matrix.classes(), classNames)).draw();
        AtomicFile.write(file, out -> ImageIO.write(image, "png", out));
    }

    static List<String> classLabels(int classes, List<String> names) {
        if (names.isEmpty()) {
            return IntStream.range(0, classes).mapToObj(Integer::toString).toList();
        }
        if (names.size() != classes) {
            throw new IllegalArgumentException(names.size() + " class names for " + classes + " classes");
        }
        return names;
    }

    /** The colour of a count that is {@code fraction} of the largest one. */
    static Color scaleColour(double fraction) {
        double position = Math.clamp(fraction, 0, 1) * (SCALE.length - 1);
        int lower = Math.min((int) position, SCALE.length - 2);
        double t = position - lower;
        Color a = SCALE[lower];
        Color b = SCALE[lower + 1];
        return new Color((int) Math.round(a.getRed() + t * (b.getRed() - a.getRed())),
                (int) Math.round(a.getGreen() + t * (b.getGreen() - a.getGreen())),
                (int) Math.round(a.getBlue() + t * (b.getBlue() - a.getBlue())));
    }

    /** Black or white, whichever contrasts more with {@code background} (WCAG's contrast ratio). */
    static Color countColour(Color background) {
        double luminance = relativeLuminance(background);
        double againstBlack = (luminance + 0.05) / 0.05;
        double againstWhite = 1.05 / (luminance + 0.05);
        return againstBlack >= againstWhite ? Color.BLACK : Color.WHITE;
    }

    private static double relativeLuminance(Color colour) {
        return 0.2126 * linear(colour.getRed()) + 0.7152 * linear(colour.getGreen()) + 0.0722 * linear(colour.getBlue());
    }

    private static double linear(int srgb) {
        double c = srgb / 255.0;
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    /** The numbers on the colour scale: from 0 to {@code max} in at most five steps of 1, 2 or 5 times a power of ten. */
    static List<Long> scaleTicks(long max) {
        long step = 1;
        for (long power = 1; step * 5 < max; power *= 10) {
            for (long multiple : new long[] {2, 5, 10}) {
                step = multiple * power;
                if (step * 5 >= max) {
                    break;
                }
            }
        }
        long last = step;
        return LongStream.iterate(0, tick -> tick <= max, tick -> tick + last).boxed().toList();
    }

    private static XYChart chart(String title, String yAxis) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch")
                .yAxisTitle(yAxis).build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setLegendPosition(Styler.LegendPosition.InsideNE);
        return chart;
    }

    /** Adds a series unless it is all NaN (no validation set, a regression's accuracy). */
    private static void series(XYChart chart, String name, double[] x, double[] y) {
        for (double v : y) {
            if (!Double.isNaN(v)) {
                chart.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
                return;
            }
        }
    }

    /**
     * The confusion matrix drawn directly: XChart's heat map writes every count in one colour, which
     * cannot read well on both light and dark cells, and labels its colour scale with its ends only.
     */
    private static final class ConfusionPicture {

        /** Wide enough for a six-digit count. */
        private static final int SMALLEST_CELL = 56;
        /** How wide the cells of a small matrix grow together. */
        private static final int GRID_WIDTH = 480;
        private static final int MARGIN = 16;
        private static final int GAP = 8;
        private static final int SCALE_WIDTH = 16;
        private static final int TICK = 4;
        private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
        private static final Font AXIS = new Font(Font.SANS_SERIF, Font.BOLD, 12);
        private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        private static final FontRenderContext MEASURE = new FontRenderContext(null, true, true);

        private final long[][] counts;
        private final String title;
        private final List<String> labels;
        private final List<Long> ticks;
        private final long max;
        private final int cell;
        private final Font count;
        private final boolean slantedLabels;
        private final int gridLeft;
        private final int gridTop;
        private final int grid;
        private final int width;
        private final int height;

        ConfusionPicture(ConfusionMatrix matrix, String title, List<String> labels) {
            this.counts = matrix.counts();
            this.title = title;
            this.labels = labels;
            int k = labels.size();
            max = Math.max(1, Arrays.stream(counts).flatMapToLong(Arrays::stream).max().orElse(0));
            ticks = scaleTicks(max);
            cell = Math.max(SMALLEST_CELL, GRID_WIDTH / k);
            grid = k * cell;
            count = new Font(Font.SANS_SERIF, Font.PLAIN, Math.min(16, cell / 4));
            double labelWidth = labels.stream().mapToDouble(label -> width(LABEL, label)).max().orElse(0);
            slantedLabels = labelWidth > cell - GAP;
            // A slanted label reaches down and left of its column by its width over the square root of two.
            double slant = slantedLabels ? labelWidth / Math.sqrt(2) + height(LABEL) : height(LABEL);
            gridLeft = (int) Math.ceil(Math.max(MARGIN + height(AXIS) + GAP + labelWidth + GAP,
                    MARGIN + slant - cell / 2.0));
            gridTop = (int) Math.ceil(MARGIN + height(TITLE) + GAP);
            double tickWidth = ticks.stream().mapToDouble(tick -> width(LABEL, Long.toString(tick))).max().orElse(0);
            double right = gridLeft + grid + 3 * GAP + SCALE_WIDTH + TICK + GAP / 2.0 + tickWidth + MARGIN;
            width = (int) Math.ceil(Math.max(right, width(TITLE, title) + 2 * MARGIN));
            height = (int) Math.ceil(gridTop + grid + GAP + slant + GAP + height(AXIS) + MARGIN);
        }

        BufferedImage draw() {
            BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            try {
                g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, width, height);
                g.setColor(Color.BLACK);
                drawText(g, TITLE, title, width / 2.0, MARGIN, 0.5, 0);
                drawCells(g);
                drawLabels(g);
                drawAxisTitles(g);
                drawColourScale(g);
            } finally {
                g.dispose();
            }
            return image;
        }

        private void drawCells(Graphics2D g) {
            for (int t = 0; t < counts.length; t++) {
                for (int p = 0; p < counts.length; p++) {
                    Color colour = scaleColour((double) counts[t][p] / max);
                    int x = gridLeft + p * cell;
                    int y = gridTop + t * cell;
                    g.setColor(colour);
                    // One pixel of white between cells keeps equal neighbours apart.
                    g.fillRect(x, y, cell - 1, cell - 1);
                    g.setColor(countColour(colour));
                    drawText(g, count, Long.toString(counts[t][p]), x + cell / 2.0, y + cell / 2.0, 0.5, 0.5);
                }
            }
        }

        private void drawLabels(Graphics2D g) {
            g.setColor(Color.BLACK);
            for (int c = 0; c < labels.size(); c++) {
                double centre = c * cell + cell / 2.0;
                drawText(g, LABEL, labels.get(c), gridLeft - GAP, gridTop + centre, 1, 0.5);
                if (slantedLabels) {
                    AffineTransform before = g.getTransform();
                    g.translate(gridLeft + centre, gridTop + grid + GAP);
                    g.rotate(-Math.PI / 4);
                    drawText(g, LABEL, labels.get(c), 0, 0, 1, 0.5);
                    g.setTransform(before);
                } else {
                    drawText(g, LABEL, labels.get(c), gridLeft + centre, gridTop + grid + GAP, 0.5, 0);
                }
            }
        }

        private void drawAxisTitles(Graphics2D g) {
            drawText(g, AXIS, "predicted class", gridLeft + grid / 2.0, height - MARGIN, 0.5, 1);
            AffineTransform before = g.getTransform();
            g.translate(MARGIN, gridTop + grid / 2.0);
            g.rotate(-Math.PI / 2);
            drawText(g, AXIS, "true class", 0, 0, 0.5, 0);
            g.setTransform(before);
        }

        /** A bar from 0 (bottom) to the largest count (top), its numbers to its right. */
        private void drawColourScale(Graphics2D g) {
            int left = gridLeft + grid + 3 * GAP;
            for (int y = 0; y < grid; y++) {
                g.setColor(scaleColour(1 - (double) y / (grid - 1)));
                g.drawLine(left, gridTop + y, left + SCALE_WIDTH - 1, gridTop + y);
            }
            g.setColor(Color.GRAY);
            g.drawRect(left, gridTop, SCALE_WIDTH - 1, grid - 1);
            g.setColor(Color.BLACK);
            for (long tick : ticks) {
                double y = gridTop + (grid - 1) * (1 - (double) tick / max);
                g.draw(new Line2D.Double(left + SCALE_WIDTH, y, left + SCALE_WIDTH + TICK, y));
                drawText(g, LABEL, Long.toString(tick), left + SCALE_WIDTH + TICK + GAP / 2.0, y, 0, 0.5);
            }
        }

        /**
         * Draws {@code text} so that the point ({@code x}, {@code y}) is at fraction {@code alignX} of its
         * width from the left and {@code alignY} of its height from the top.
         */
        private static void drawText(Graphics2D g, Font font, String text, double x, double y, double alignX, double alignY) {
            g.setFont(font);
            LineMetrics metrics = font.getLineMetrics(text, MEASURE);
            float left = (float) (x - alignX * width(font, text));
            float baseline = (float) (y - alignY * (metrics.getAscent() + metrics.getDescent()) + metrics.getAscent());
            g.drawString(text, left, baseline);
        }

        private static double width(Font font, String text) {
            return font.getStringBounds(text, MEASURE).getWidth();
        }

        private static double height(Font font) {
            LineMetrics metrics = font.getLineMetrics("0", MEASURE);
            return metrics.getAscent() + metrics.getDescent();
        }
    }
}
