package dev.gale.cli;

import dev.gale.data.Csv;
import dev.gale.data.DataSpec;
import dev.gale.data.Dataset;
import dev.gale.io.ModelFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A saved model and the data it runs on, for the commands that use a trained model. */
final class ModelInput {

    /** The model, and the chosen part of the data normalised as the model was trained. */
    record Loaded(ModelFile.Model model, Dataset data, String description) {
    }

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model (or checkpoint) file.")
    Path model;

    @Mixin
    DataOptions data;

    @Option(names = "--part", defaultValue = "test", paramLabel = "PART",
            description = "test (default; the whole set when it has no test part) or train.")
    String part;

    /** With {@code unlabeled}, a CSV file whose columns are exactly the model's inputs is read without labels. */
    Loaded load(boolean unlabeled) throws IOException {
        ModelFile.Model loaded = ModelFile.load(model);
        int outputs = loaded.network().outputs();
        String spec = DataOptions.required(data.data);
        if (unlabeled && spec.toLowerCase(Locale.ROOT).endsWith(".csv")
                && Csv.columns(Path.of(spec)) == loaded.network().inputs()) {
            Dataset set = Csv.read(Path.of(spec), Csv.NO_LABEL, outputs);
            return new Loaded(loaded, loaded.normalization().apply(set), spec + ", unlabeled examples");
        }
        DataSpec.Source source = data.load(outputs == 1 ? 0 : outputs, 1);
        Dataset set = switch (part) {
            case "test" -> source.testOrTrain();
            case "train" -> source.train();
            default -> throw new IllegalArgumentException("--part must be test or train, got '" + part + "'");
        };
        String name = part.equals("test") && source.test() == null ? "all" : part;
        loaded.network().requireFits(set.inputs(), set.outputs(), "the data " + data.data);
        return new Loaded(loaded, loaded.normalization().apply(set), source.description() + ", " + name + " examples");
    }
}
