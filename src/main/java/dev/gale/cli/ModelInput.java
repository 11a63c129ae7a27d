package dev.gale.cli;

import dev.gale.data.DataSpec;
import dev.gale.data.Dataset;
import dev.gale.io.ModelFile;
import java.io.IOException;
import java.nio.file.Path;
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

    Loaded load() throws IOException {
        ModelFile.Model loaded = ModelFile.load(model);
        DataSpec.Source source = data.load(loaded.network().outputs() == 1 ? 0 : loaded.network().outputs(), 1);
        Dataset set = switch (part) {
            case "test" -> source.testOrTrain();
            case "train" -> source.train();
            default -> throw new IllegalArgumentException("--part must be test or train, got '" + part + "'");
        };
        String name = part.equals("test") && source.test() == null ? "all" : part;
        DataOptions.checkFits(loaded.network(), set.inputs(), set.outputs(), "the data " + data.data);
        return new Loaded(loaded, loaded.normalization().apply(set), source.description() + ", " + name + " examples");
    }
}
