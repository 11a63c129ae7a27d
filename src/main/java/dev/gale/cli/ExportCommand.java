package dev.gale.cli;

import dev.gale.io.OnnxExport;
import dev.gale.io.OutputPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Writes a model as ONNX: input 'input' (raw features, any batch), outputs 'logits' and "
                + "'probabilities', the normalisation folded in."})
final class ExportCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "FILE", description = "A model (or checkpoint) file.")
    Path model;

    @Option(names = "--onnx", required = true, paramLabel = "OUT.onnx", description = "Where the ONNX model goes.")
    Path onnx;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        OutputPaths.check(List.of(new OutputPaths.Named("--model", model)), List.of(new OutputPaths.Named("--onnx", onnx)));
        OnnxExport.export(model, onnx);
        spec.commandLine().getOut().println("gale: " + model + " exported to " + onnx);
        return 0;
    }
}
