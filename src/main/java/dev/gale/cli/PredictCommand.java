package dev.gale.cli;

import dev.gale.compute.Backend;
import dev.gale.data.DataSpec;
import dev.gale.data.Dataset;
import dev.gale.io.AtomicFile;
import dev.gale.io.OutputPaths;
import dev.gale.nn.Network;
import dev.gale.train.Classes;
import dev.gale.train.Evaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false, description = {"The predicted class and the outputs of every row, as CSV.",
                "A CSV file whose columns are exactly the model's inputs needs no label column."})
final class PredictCommand implements Callable<Integer> {

    @Mixin
    ModelInput input;

    @Option(names = "--out", paramLabel = "FILE.csv", description = "Write the CSV here instead of to the terminal.")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<OutputPaths.Named> inputs = new ArrayList<>(List.of(new OutputPaths.Named("--model", input.model)));
        for (Path file : DataSpec.files(DataOptions.required(input.data.data))) {
            inputs.add(new OutputPaths.Named("--data", file));
        }
        OutputPaths.check(inputs, List.of(new OutputPaths.Named("--out", out)));
        ModelInput.Loaded loaded = input.load(true);
        Network network = loaded.model().network();
        Dataset set = loaded.data();
        float[] outputs;
        try (Backend backend = input.data.open()) {
            // stderr, since the predictions may go to stdout
            spec.commandLine().getErr().println("gale: predicting on " + backend.description());
            outputs = Evaluator.predict(backend, network, set.features(), set.rows());
        }
        int width = network.outputs();
        StringBuilder csv = new StringBuilder("row,class");
        for (int k = 0; k < width; k++) {
            csv.append(",p").append(k);
        }
        csv.append('\n');
        for (int r = 0; r < set.rows(); r++) {
            csv.append(r).append(',').append(Classes.predicted(outputs, r, width));
            for (int k = 0; k < width; k++) {
                csv.append(',').append(outputs[r * width + k]);
            }
            csv.append('\n');
        }
        if (out == null) {
            PrintWriter writer = spec.commandLine().getOut();
            writer.print(csv);
            writer.flush();
        } else {
            byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
            AtomicFile.write(out, o -> o.write(bytes));
            spec.commandLine().getErr().println("gale: " + set.rows() + " predictions written to " + out);
        }
        return 0;
    }
}
