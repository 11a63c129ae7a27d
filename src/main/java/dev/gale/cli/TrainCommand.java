package dev.gale.cli;

import dev.gale.compute.Backend;
import dev.gale.data.DataSpec;
import dev.gale.io.OutputPaths;
import dev.gale.run.ClusterTrainer;
import dev.gale.run.TrainSettings;
import dev.gale.run.TrainingRun;
import dev.gale.train.EpochReport;
import dev.gale.train.Evaluation;
import dev.gale.train.TrainingHistory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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

    @Mixin
    DataOptions data;

    @Option(names = "--classes", defaultValue = "0", paramLabel = "N",
            description = "Classes 0..N-1 of the labels; 0 takes N from the largest label (default ${DEFAULT-VALUE}).")
    int classes;

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

    @Option(names = "--augment", defaultValue = TrainSettings.NO_AUGMENTATION, paramLabel = "A",
            description = "none, or shift:PIXELS[:PROBABILITY]: move each training image by up to PIXELS in each "
                    + "direction, with that probability (default 1), afresh every epoch (default ${DEFAULT-VALUE}).")
    String augment;

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

    @Option(names = "--spark", paramLabel = "MASTER",
            description = "Train data-parallel on Apache Spark: local[N] on this machine, spark://HOST:PORT or yarn."
                    + " The weights are those of one machine with the same --batch.")
    String spark;

    @Option(names = "--workers", defaultValue = "0", paramLabel = "N",
            description = "Workers of a --spark run, each taking its share of every batch; 0 takes Spark's default"
                    + " parallelism (default ${DEFAULT-VALUE}).")
    int workers;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (spark == null && workers != 0) {
            throw new IllegalArgumentException("--workers needs --spark MASTER, e.g. --spark local[2]");
        }
        ClusterTrainer cluster = spark == null ? null : ClusterTrainer.find();
        if (spark != null && cluster == null) {
            throw new IllegalArgumentException("--spark needs Gale's Spark module and Spark on the class path: run "
                    + "scripts/gale, which adds both when --spark is given, or build with mvn -Pspark package");
        }
        PrintWriter out = spec.commandLine().getOut();
        TrainingRun.Outputs outputs = TrainingRun.Outputs.of(this.out).log(log).others(plotOutputs());
        if (checkpointDir != null) {
            outputs = outputs.checkpointIn(checkpointDir);
        }
        TrainingRun run;
        if (resume != null) {
            run = TrainingRun.resume(resume, outputs);
            out.println("gale: resuming " + resume + " after epoch " + run.resumedAfter()
                    + "; the run's settings come from the checkpoint");
        } else {
            run = TrainingRun.start(settings(), outputs);
        }
        TrainSettings settings = run.settings();
        Progress progress = new Progress(out, Progress.isTerminal(), settings.epochs());
        TrainingRun.Listener listener = new TrainingRun.Listener() {
            @Override
            public void started(TrainingRun.Start start) {
                out.printf(Locale.ROOT, "gale: %s (%,d parameters) on %s: %d training, %s validation, %s test examples%n",
                        start.network(), start.network().parameterCount(), start.data(), start.trainingRows(),
                        count(start.validationRows()), count(start.testRows()));
                out.printf("gale: %s, %s, batch %d, %d epoch%s%s on %s%n", settings.optimizer(), settings.schedule(),
                        settings.batch(), settings.epochs(), settings.epochs() == 1 ? "" : "s",
                        settings.augment().equals(TrainSettings.NO_AUGMENTATION) ? "" : ", images moved by " + settings.augment(),
                        start.backend());
            }

            @Override
            public void step(int epoch, int done, int rows, float loss) {
                progress.step(epoch, done, rows, loss);
            }

            @Override
            public void epochDone(EpochReport report) {
                progress.epochDone(report);
            }
        };
        TrainingRun.Result result;
        if (cluster != null) {
            out.printf("gale: training on Spark at %s, each worker on %s%n", spark, data.device);
            out.flush();
            result = cluster.train(run, spark, workers, data.device, data.threads, listener);
        } else {
            try (Backend backend = data.open()) {
                CountDownLatch finished = new CountDownLatch(1);
                Thread onInterrupt = new Thread(() -> {
                    run.requestStop();
                    awaitQuietly(finished);
                });
                Runtime.getRuntime().addShutdownHook(onInterrupt);
                try {
                    result = run.run(backend, listener);
                    if (result.interrupted()) {
                        // Said before the latch opens: once it does, a Ctrl-C's JVM exits.
                        progress.clear();
                        int epochs = result.history().epochs().size();
                        out.println(epochs == 0
                                ? "gale: interrupted in the first epoch; nothing to save"
                                : "gale: interrupted after epoch " + epochs + "; continue with: gale train --resume "
                                + outputs.checkpoint() + " --out " + outputs.model());
                        out.flush();
                        return Main.INTERRUPTED;
                    }
                } catch (RuntimeException | IOException e) {
                    progress.clear();
                    throw e;
                } finally {
                    finished.countDown();
                    removeHook(onInterrupt);
                }
            }
        }
        TrainingHistory history = result.history();
        Evaluation evaluation = result.evaluation();
        String part = result.evaluatedPart();
        boolean classifier = evaluation.confusion() != null;
        out.printf("gale: %s after %d epochs%s in %s%n", history.stoppedEarly() ? "stopped early" : "done",
                history.epochs().size(), settings.earlyStop() > 0 ? ", keeping the weights of epoch "
                        + (history.bestEpoch() + 1) + " (best validation loss)" : "",
                Progress.duration(totalNanos(history)));
        out.printf(Locale.ROOT, "gale: %s loss %.4f%s on %d examples%n", part, evaluation.loss(),
                classifier ? String.format(Locale.ROOT, ", %s accuracy %.4f", part, evaluation.accuracy()) : "",
                evaluation.examples());
        if (result.noBetterThanConstant()) {
            out.println("gale: warning: the model predicts no better than a constant on the " + part
                    + " set; check the learning rate and the data");
        }
        out.println("gale: model saved to " + this.out);
        if (log != null) {
            out.println("gale: metrics written to " + log);
        }
        if (plot != null) {
            Plots.curves(plot, history.epochs(), result.network().toString(), history.bestEpoch());
            out.println("gale: curves plotted to " + plot);
            if (classifier) {
                Path confusionPlot = Plots.confusionPath(plot);
                Plots.confusion(confusionPlot, evaluation.confusion(), part + " set, accuracy "
                        + String.format(Locale.ROOT, "%.4f", evaluation.accuracy()), DataSpec.classNames(settings.data()));
                out.println("gale: confusion matrix plotted to " + confusionPlot);
            }
        }
        return 0;
    }

    private List<OutputPaths.Named> plotOutputs() {
        return plot == null ? List.of() : List.of(new OutputPaths.Named("--plot", plot),
                new OutputPaths.Named("--plot's confusion matrix", Plots.confusionPath(plot)));
    }

    TrainSettings settings() {
        return new TrainSettings(data.data, data.labelColumn, classes, valSplit, normalize, architecture.layers,
                architecture.activation, architecture.output, architecture.loss, architecture.l2, architecture.dropout,
                optimizer, lr,
                momentum, weightDecay, schedule, batch, epochs, earlyStop, seed, !noShuffle, augment,
                init == null ? null : init.toString());
    }

    private static String count(int rows) {
        return rows == 0 ? "no" : String.valueOf(rows);
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
