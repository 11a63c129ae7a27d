package dev.gale.cli;

import dev.gale.io.AtomicFile;
import dev.gale.run.TrainingRun;
import dev.gale.train.ConfusionMatrix;
import dev.gale.train.EpochReport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The run's pictures, drawn with XChart and written atomically as PNG. */
final class Plots {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 440;

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

    /** Counts per (true, predicted) pair, true class 0 in the top row, with each cell's count written in. */
    static void confusion(Path file, ConfusionMatrix matrix, String title) throws IOException {
        int k = matrix.classes();
        List<String> predicted = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (int c = 0; c < k; c++) {
            predicted.add(Integer.toString(c));
            actual.add(Integer.toString(k - 1 - c));
        }
        List<Number[]> cells = new ArrayList<>();
        long max = 1;
        for (int t = 0; t < k; t++) {
            for (int p = 0; p < k; p++) {
                cells.add(new Number[] {p, k - 1 - t, matrix.counts()[t][p]});
                max = Math.max(max, matrix.counts()[t][p]);
            }
        }
        int size = Math.max(WIDTH, 56 * k + 160);
        HeatMapChart chart = new HeatMapChartBuilder().width(size + 60).height(size).title("Confusion matrix, " + title)
                .xAxisTitle("predicted class").yAxisTitle("true class").build();
        chart.getStyler().setShowValue(true).setMin(0).setMax(max)
                .setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08306B)})
                .setValueFontColor(new Color(0xD94801)).setLegendVisible(false);
        // Grid lines would cross the cells; the plot fills its frame so that no empty band surrounds them.
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setPlotContentSize(1.0);
        chart.getStyler().setPlotGridLinesVisible(false);
        chart.addSeries("confusion", predicted, actual, cells);
        AtomicFile.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
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
}
