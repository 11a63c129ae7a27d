package dev.gale.cli;

import dev.gale.run.Architecture;
import picocli.CommandLine.Option;

/** The network a command builds: hidden layers, activations, output, loss and L2. */
final class ArchitectureOptions {

    @Option(names = "--layers", defaultValue = "256,128", paramLabel = "N,N,...",
            description = "Hidden layer widths, comma-separated; 'none' for no hidden layer (default ${DEFAULT-VALUE}).")
    String layers;

    @Option(names = "--activation", defaultValue = "relu", paramLabel = "FN",
            description = "Hidden activation: relu, sigmoid, tanh, leaky-relu[:SLOPE] or maxout:K (default ${DEFAULT-VALUE}).")
    String activation;

    @Option(names = "--output", defaultValue = "softmax", paramLabel = "FN",
            description = "Output activation: softmax, sigmoid or identity (default ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--loss", paramLabel = "LOSS",
            description = "softmax-ce, logistic or mse (default: the one that goes with --output).")
    String loss;

    @Option(names = "--l2", defaultValue = "0", paramLabel = "LAMBDA",
            description = "L2 strength lambda of lambda/(2m) sum W^2 (default ${DEFAULT-VALUE}).")
    double l2;

    @Option(names = "--dropout", defaultValue = "0", paramLabel = "P",
            description = "Inverted dropout on every hidden layer's outputs in training, rate P in [0, 1) (default ${DEFAULT-VALUE}).")
    double dropout;

    /** The network these options name; refused here when they name none. */
    Architecture architecture() {
        return new Architecture(layers, activation, output, loss, l2, dropout);
    }
}
