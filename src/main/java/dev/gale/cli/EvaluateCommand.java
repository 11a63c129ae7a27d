package dev.gale.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.gale.compute.Backend;
import dev.gale.data.Dataset;
import dev.gale.nn.Network;
import dev.gale.train.ConfusionMatrix;
import dev.gale.train.Evaluation;
import dev.gale.train.Evaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loss (L2 term included), accuracy, confusion matrix and per-class precision, recall and F1.")
final class EvaluateCommand implements Callable<Integer> {

    @Mixin
    ModelInput input;

    @Option(names = "--json", description = "One JSON object: loss, accuracy, confusion, per_class.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        ModelInput.Loaded loaded = input.load(false);
        Network network = loaded.model().network();
        Dataset set = loaded.data();
        Evaluation evaluation;
        String device;
        try (Backend backend = input.data.open()) {
            device = backend.description();
            evaluation = Evaluator.evaluate(backend, network, set);
        }
        ConfusionMatrix confusion = evaluation.confusion();
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? json(evaluation, confusion, device) : table(loaded, evaluation, confusion, device));
        out.flush();
        return 0;
    }

    static String json(Evaluation evaluation, ConfusionMatrix confusion, String device) {
        JsonObject result = new JsonObject();
        result.addProperty("loss", evaluation.loss());
        result.addProperty("accuracy", confusion == null ? null : evaluation.accuracy());
        result.addProperty("examples", evaluation.examples());
        JsonArray matrix = new JsonArray();
        JsonArray perClass = new JsonArray();
        if (confusion != null) {
            for (int k = 0; k < confusion.classes(); k++) {
                JsonArray row = new JsonArray();
                for (long c : confusion.counts()[k]) {
                    row.add(c);
                }
                matrix.add(row);
                JsonObject stats = new JsonObject();
                stats.addProperty("class", k);
                stats.addProperty("precision", confusion.precision(k));
                stats.addProperty("recall", confusion.recall(k));
                stats.addProperty("f1", confusion.f1(k));
                stats.addProperty("support", confusion.support(k));
                perClass.add(stats);
            }
        }
        result.add("confusion", matrix);
        result.add("per_class", perClass);
        result.addProperty("device", device);
        return new GsonBuilder().serializeNulls().create().toJson(result);
    }

    private static String table(ModelInput.Loaded input, Evaluation evaluation, ConfusionMatrix confusion,
                                String device) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "model     %s%ndata      %s (%d)%ndevice    %s%nloss      %.6f%n",
                input.model().network(), input.description(), evaluation.examples(), device, evaluation.loss()));
        if (confusion == null) {
            return text.toString().stripTrailing();
        }
        text.append(String.format(Locale.ROOT, "accuracy  %.4f%n%nconfusion matrix (rows: true class, columns: predicted)%n",
                evaluation.accuracy()));
        int k = confusion.classes();
        text.append("      ");
        for (int p = 0; p < k; p++) {
            text.append(String.format("%7d", p));
        }
        text.append('\n');
        for (int t = 0; t < k; t++) {
            text.append(String.format("%6d", t));
            for (long c : confusion.counts()[t]) {
                text.append(String.format("%7d", c));
            }
            text.append('\n');
        }
        text.append(String.format("%nclass  precision  recall      f1  support%n"));
        for (int c = 0; c < k; c++) {
            text.append(String.format(Locale.ROOT, "%5d  %9.4f  %6.4f  %6.4f  %7d%n", c, confusion.precision(c),
                    confusion.recall(c), confusion.f1(c), confusion.support(c)));
        }
        return text.toString().stripTrailing();
    }
}
