package dev.gale.cli;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gale.compute.Backend;
import dev.gale.data.ConfusionMatrix;
import dev.gale.data.DataSpec;
import dev.gale.data.Dataset;
import dev.gale.data.Normalization;
import dev.gale.io.AtomicFile;
import dev.gale.io.CheckpointFile;
import dev.gale.io.ModelFile;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import dev.gale.train.Evaluation;
import dev.gale.train.Evaluator;
import dev.gale.train.Optimizer;
import dev.gale.train.Schedule;
import dev.gale.train.Trainer;
import dev.gale.train.TrainingDivergedException;
import dev.gale.train.TrainingHistory;
import dev.gale.train.TrainingState;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, description = "Trains a network and saves it as a safetensors model.")
final class TrainCommand implements Callable<Integer> {

    /** Training examples whose accuracy is measured after each epoch: enough for a curve, cheap next to an epoch. */
    static final int ACCURACY_SAMPLE = 10_000;
    private static final Gson GSON = new Gson();

    @Mixin
    DataOptions data;

    @Option(names = "--val-split", defaultValue = "0.1", paramLabel = "F",
            description = "Fraction of the training data held out for validation; 0 for none (default ${DEFAULT-VALUE}).")
    double valSplit;

    @Option(names = "--normalize", defaultValue = "scale", paramLabel = "KIND",
            description = "none, scale (min-max onto [0,1]) or standardize; saved in the model (default ${DEFAULT-VALUE}).")
    String normalize;

    @Mixin
    ArchitectureOptions architecture;

    @Option(names = "--optimizer", defaultValue = "adam", paramLabel = "NAME",
            description = "sgd, momentum, nesterov, adam, adamw or cg (default ${DEFAULT-VALUE}).")
    String optimizer;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "RATE", description = "Learning rate (default ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--momentum", defaultValue = "0.9", paramLabel = "MU",
            description = "Momentum of momentum and nesterov (default ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--weight-decay", defaultValue = "0.01", paramLabel = "W",
            description = "Decoupled weight decay of adamw (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--schedule", defaultValue = "constant", paramLabel = "S",
            description = "constant, cosine[:FLOOR] or step:EVERY:GAMMA (default ${DEFAULT-VALUE}).")
    String schedule;

    @Option(names = "--batch", defaultValue = "128", paramLabel = "N", description = "Mini-batch size (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "10", paramLabel = "N", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--early-stop", defaultValue = "0", paramLabel = "PATIENCE",
            description = "Stop after PATIENCE epochs without a better validation loss, keeping the best weights; 0 never stops.")
    int earlyStop;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "Seed of the weights, the validation split and the shuffles (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--no-shuffle", description = "Keep the examples in file order every epoch.")
    boolean noShuffle;

    @Option(names = "--init", paramLabel = "FILE", description = "Start from a saved model: its architecture, weights and normalisation.")
    Path init;

    @Option(names = "--out", defaultValue = "model.safetensors", paramLabel = "FILE",
            description = "Where the trained model goes (default ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Write the checkpoint of every epoch, to --resume from, to DIR/last.safetensors"
                    + " (default: next to --out, as OUT.checkpoint.safetensors).")
    Path checkpointDir;

    @Option(names = "--resume", paramLabel = "FILE",
            description = "Continue the run of a checkpoint; its settings override the command line's.")
    Path resume;

    @Option(names = "--plot", paramLabel = "FILE.png",
            description = "Loss and accuracy curves; the confusion matrix goes to FILE-confusion.png.")
    Path plot;

    @Option(names = "--log", paramLabel = "FILE.csv", description = "Per-epoch metrics as CSV.")
    Path log;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        CheckpointFile.Checkpoint checkpoint = resume == null ? null : CheckpointFile.load(resume);
        TrainSettings settings = checkpoint == null ? settings() : settingsOf(checkpoint);
        for (Path file : new Path[] {this.out, plot, log}) {
            AtomicFile.checkWritable(file);
        }
        Path checkpointFile = checkpointFile();
        DataSpec.Source source = DataSpec.load(DataOptions.required(settings.data()), settings.labelColumn(), 0,
                settings.seed());
        Dataset train = source.train();
        Dataset validation = null;
        if (settings.valSplit() > 0) {
            Dataset[] parts = train.holdOut(settings.valSplit(), settings.seed());
            train = parts[0];
            validation = parts[1];
        }
        Network network;
        Normalization normalization;
        if (checkpoint != null || settings.init() != null) {
            ModelFile.Model model = checkpoint != null ? checkpoint.model() : ModelFile.load(Path.of(settings.init()));
            network = model.network();
            normalization = model.normalization();
        } else {
            network = architecture(settings).build(train.inputs(), train.outputs(), settings.seed());
            normalization = Normalization.fit(Normalization.Kind.parse(settings.normalize()), train);
        }
        DataOptions.checkFits(network, train.inputs(), train.outputs(), "the data " + settings.data());
        train = normalization.apply(train);
        validation = validation == null ? null : normalization.apply(validation);
        Dataset test = source.test() == null ? null : normalization.apply(source.test());
        boolean classifier = network.loss() != Loss.MEAN_SQUARED_ERROR;

        out.printf("gale: %s on %s: %d training, %s validation, %s test examples%n", network, source.description(),
                train.rows(), validation == null ? "no" : validation.rows(), test == null ? "no" : test.rows());
        try (Backend backend = data.open()) {
            out.printf("gale: %s, %s, batch %d, %d epochs on %s%n", settings.optimizer(), settings.schedule(),
                    settings.batch(), settings.epochs(), backend.description());
            Progress progress = new Progress(out, Progress.isTerminal(), settings.epochs());
            TrainingState[] last = {checkpoint == null ? null : checkpoint.state()};
            Trainer trainer = Trainer.builder(backend)
                    .optimizer(optimizer(settings)).schedule(schedule(settings.schedule()))
                    .batchSize(settings.batch()).epochs(settings.epochs()).earlyStopping(settings.earlyStop())
                    .seed(settings.seed()).shuffle(settings.shuffle())
                    .trainingAccuracy(classifier ? ACCURACY_SAMPLE : 0)
                    .progress(progress)
                    .listener(progress::epochDone)
                    .checkpoints(state -> {
                        last[0] = state;
                        saveCheckpoint(checkpointFile, network, normalization, state, settings);
                    })
                    .build();
            TrainingHistory history;
            CountDownLatch saved = new CountDownLatch(1);
            Thread onInterrupt = new Thread(() -> {
                trainer.requestStop();
                awaitQuietly(saved);
            });
            Runtime.getRuntime().addShutdownHook(onInterrupt);
            try {
                history = trainer.fit(network, train, validation, checkpoint == null ? null : checkpoint.state());
                if (history.interrupted()) {
                    progress.clear();
                    out.println(last[0] == null
                            ? "gale: interrupted in the first epoch; nothing to save"
                            : "gale: interrupted after epoch " + last[0].epochsDone() + "; continue with: gale train --resume "
                            + checkpointFile);
                    out.flush();
                    return Main.INTERRUPTED;
                }
            } catch (TrainingDivergedException e) {
                progress.clear();
                throw new TrainingDivergedException(e.getMessage() + (last[0] != null
                        ? "; the checkpoint of epoch " + last[0].epochsDone() + " is " + checkpointFile : "")
                        + "; nothing was saved to " + this.out);
            } catch (UncheckedIOException e) {
                progress.clear();
                throw e.getCause();
            } finally {
                saved.countDown();
                removeHook(onInterrupt);
            }
            ModelFile.save(this.out, network, normalization);
            Dataset evaluated = test != null ? test : validation != null ? validation : train;
            String evaluatedName = test != null ? "test" : validation != null ? "validation" : "training";
            Evaluation result = Evaluator.evaluate(backend, network, evaluated);
            out.printf("gale: %s after %d epochs%s in %s%n", history.stoppedEarly() ? "stopped early" : "done",
                    history.epochs().size(), settings.earlyStop() > 0 ? ", keeping the weights of epoch "
                            + (history.bestEpoch() + 1) + " (best validation loss)" : "",
                    Progress.duration(totalNanos(history)));
            out.printf(Locale.ROOT, "gale: %s loss %.4f%s on %d examples%n", evaluatedName, result.loss(),
                    classifier ? String.format(Locale.ROOT, ", %s accuracy %.4f", evaluatedName, result.accuracy()) : "",
                    result.examples());
            out.println("gale: model saved to " + this.out);
            if (log != null) {
                MetricsLog.write(log, history.epochs());
                out.println("gale: metrics written to " + log);
            }
            if (plot != null) {
                Plots.curves(plot, history.epochs(), network.toString(), history.bestEpoch());
                out.println("gale: curves plotted to " + plot);
                if (classifier) {
                    float[] outputs = Evaluator.predict(backend, network, evaluated.features(), evaluated.rows());
                    ConfusionMatrix confusion = ConfusionMatrix.of(outputs, evaluated.targets(), evaluated.rows(),
                            evaluated.outputs());
                    Path confusionPlot = Plots.confusionPath(plot);
                    Plots.confusion(confusionPlot, confusion, evaluatedName + " set, accuracy "
                            + String.format(Locale.ROOT, "%.4f", confusion.accuracy()));
                    out.println("gale: confusion matrix plotted to " + confusionPlot);
                }
            }
        }
        return 0;
    }

    private TrainSettings settings() {
        return new TrainSettings(data.data, data.labelColumn, valSplit, normalize, architecture.layers,
                architecture.activation, architecture.output, architecture.loss, architecture.l2, optimizer, lr,
                momentum, weightDecay, schedule, batch, epochs, earlyStop, seed, !noShuffle,
                init == null ? null : init.toString());
    }

    private TrainSettings settingsOf(CheckpointFile.Checkpoint checkpoint) throws IOException {
        JsonElement json = checkpoint.settings().get("train");
        if (json == null) {
            throw new IOException(resume + " was not written by gale train: it has no training settings");
        }
        spec.commandLine().getOut().println("gale: resuming " + resume + " after epoch "
                + checkpoint.state().epochsDone() + "; the run's settings come from the checkpoint");
        return GSON.fromJson(json, TrainSettings.class);
    }

    private Path checkpointFile() throws IOException {
        if (checkpointDir == null) {
            Path folder = out.toAbsolutePath().getParent();
            return folder.resolve(out.getFileName() + ".checkpoint.safetensors");
        }
        try {
            Files.createDirectories(checkpointDir);
        } catch (IOException e) {
            throw new IOException("cannot create the checkpoint folder " + checkpointDir + ": " + e.getMessage());
        }
        return checkpointDir.resolve("last.safetensors");
    }

    private static void saveCheckpoint(Path file, Network network, Normalization normalization, TrainingState state,
                                       TrainSettings settings) {
        JsonObject json = new JsonObject();
        json.add("train", GSON.toJsonTree(settings));
        try {
            CheckpointFile.save(file, network, normalization, state, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ArchitectureOptions architecture(TrainSettings s) {
        ArchitectureOptions a = new ArchitectureOptions();
        a.layers = s.layers();
        a.activation = s.activation();
        a.output = s.output();
        a.loss = s.loss();
        a.l2 = s.l2();
        return a;
    }

    static Optimizer optimizer(TrainSettings s) {
        return switch (s.optimizer()) {
            case "sgd" -> Optimizer.sgd(s.lr());
            case "momentum" -> Optimizer.momentum(s.lr(), s.momentum());
            case "nesterov" -> Optimizer.nesterov(s.lr(), s.momentum());
            case "adam" -> Optimizer.adam(s.lr());
            case "adamw" -> Optimizer.adamW(s.lr(), s.weightDecay());
            case "cg" -> Optimizer.conjugateGradient();
            default -> throw new IllegalArgumentException("unknown --optimizer '" + s.optimizer()
                    + "'; use sgd, momentum, nesterov, adam, adamw or cg");
        };
    }

    static Schedule schedule(String text) {
        String[] parts = text.split(":");
        return switch (parts[0]) {
            case "constant" -> Schedule.constant();
            case "cosine" -> Schedule.cosine(parts.length > 1 ? ArchitectureOptions.parseDouble(parts[1], "--schedule cosine:FLOOR") : 0);
            case "step" -> {
                if (parts.length != 3) {
                    throw new IllegalArgumentException("--schedule step needs step:EVERY:GAMMA, e.g. step:5:0.5");
                }
                yield Schedule.step(ArchitectureOptions.parseInt(parts[1], "--schedule step:EVERY"),
                        ArchitectureOptions.parseDouble(parts[2], "--schedule step:EVERY:GAMMA"));
            }
            default -> throw new IllegalArgumentException("unknown --schedule '" + text
                    + "'; use constant, cosine[:FLOOR] or step:EVERY:GAMMA");
        };
    }

    private static long totalNanos(TrainingHistory history) {
        return history.epochs().stream().mapToLong(r -> r.nanos()).sum();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down (Ctrl-C after training): the hook has nothing left to stop.
        }
    }
}
