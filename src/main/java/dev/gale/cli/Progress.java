package dev.gale.cli;

import dev.gale.train.EpochReport;
import dev.gale.train.StepListener;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar per epoch (examples/s, loss, ETA) redrawn in place on a terminal, at most ten
 * times a second so that drawing never slows training; one plain line per epoch otherwise.
 */
final class Progress implements StepListener {

    private static final long REDRAW_NANOS = 100_000_000L;
    private static final int BAR = 28;

    private final PrintWriter out;
    private final boolean terminal;
    private final int epochs;
    private long epochStart;
    private long lastDraw;
    private int currentEpoch = -1;
    private int lineLength;

    Progress(PrintWriter out, boolean terminal, int epochs) {
        this.out = out;
        this.terminal = terminal;
        this.epochs = epochs;
    }

    static boolean isTerminal() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public void step(int epoch, int done, int rows, float loss) {
        long now = System.nanoTime();
        if (epoch != currentEpoch) {
            currentEpoch = epoch;
            epochStart = now;
            lastDraw = now;
            return;
        }
        if (!terminal || now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double seconds = (now - epochStart) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        int filled = (int) ((long) BAR * done / rows);
        String line = String.format(Locale.ROOT, "epoch %d/%d [%s%s] %3d%%  %,.0f ex/s  loss %.4f  ETA %s",
                epoch + 1, epochs, "=".repeat(filled), " ".repeat(BAR - filled), 100L * done / rows, rate, loss,
                duration((long) ((rows - done) / rate * 1e9)));
        draw(line);
    }

    void epochDone(EpochReport report) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "epoch %d/%d  loss %.4f",
                report.epoch() + 1, epochs, report.trainingLoss()));
        if (!Double.isNaN(report.trainingAccuracy())) {
            line.append(String.format(Locale.ROOT, "  acc %.4f", report.trainingAccuracy()));
        }
        if (!Double.isNaN(report.validationLoss())) {
            line.append(String.format(Locale.ROOT, "  val loss %.4f", report.validationLoss()));
        }
        if (!Double.isNaN(report.validationAccuracy())) {
            line.append(String.format(Locale.ROOT, "  val acc %.4f", report.validationAccuracy()));
        }
        line.append(String.format(Locale.ROOT, "  lr %.3g  %s", report.learningRate(), duration(report.nanos())));
        clear();
        out.println(line);
        out.flush();
        currentEpoch = -1;
    }

    /** Removes a half-drawn bar before other output. */
    void clear() {
        if (terminal && lineLength > 0) {
            out.print("\r" + " ".repeat(lineLength) + "\r");
            lineLength = 0;
            out.flush();
        }
    }

    private void draw(String line) {
        out.print("\r" + line + " ".repeat(Math.max(0, lineLength - line.length())));
        lineLength = line.length();
        out.flush();
    }

    static String duration(long nanos) {
        long seconds = Math.max(0, Math.round(nanos / 1e9));
        return seconds >= 3600 ? String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format("%d:%02d", seconds / 60, seconds % 60);
    }
}
