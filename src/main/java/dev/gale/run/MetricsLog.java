package dev.gale.run;

import dev.gale.io.AtomicFile;
import dev.gale.train.EpochReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Per-epoch metrics as CSV; NaN fields (no validation set, a regression) are left empty. */
public final class MetricsLog {

    public static final String HEADER = "epoch,learning_rate,train_loss,train_accuracy,val_loss,val_accuracy,seconds";

    private MetricsLog() {
    }

    public static void write(Path file, List<EpochReport> reports) throws IOException {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (EpochReport r : reports) {
            csv.append(r.epoch() + 1).append(',').append(number(r.learningRate())).append(',')
                    .append(number(r.trainingLoss())).append(',').append(number(r.trainingAccuracy()))
                    .append(',').append(number(r.validationLoss())).append(',')
                    .append(number(r.validationAccuracy())).append(',').append(number(r.nanos() / 1e9)).append('\n');
        }
        byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    private static String number(double value) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%.6g", value);
    }
}
