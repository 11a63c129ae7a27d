package dev.gale.run;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.gale.compute.Backend;
import dev.gale.compute.Collective;
import dev.gale.data.DataSpec;
import dev.gale.data.Dataset;
import dev.gale.data.ImageShift;
import dev.gale.data.Normalization;
import dev.gale.io.ModelFile;
import dev.gale.io.ModelFormatException;
import dev.gale.io.OutputPaths;
import dev.gale.nn.Loss;
import dev.gale.nn.Network;
import dev.gale.train.EpochReport;
import dev.gale.train.Evaluation;
import dev.gale.train.Evaluator;
import dev.gale.train.StepListener;
import dev.gale.train.Trainer;
import dev.gale.train.TrainingDivergedException;
import dev.gale.train.TrainingHistory;
import dev.gale.train.TrainingState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training run, as {@code gale train} runs it: load the data and hold out a validation split,
 * build (or load) the network and fit its normalisation, train with a checkpoint after every epoch,
 * save the model, evaluate it once on the test set (else validation, else training), and write the
 * metrics log. Every output is checked against the inputs and each other before anything runs.
 *
 * <p>A run that diverges stops with the last completed epoch in its checkpoint and leaves {@code
 * --out} alone; a model no better than a constant prediction never replaces an existing file.
 */
public final class TrainingRun {

    /** Training examples whose accuracy is measured after each epoch: enough for a curve, cheap next to an epoch. */
    public static final int ACCURACY_SAMPLE = 10_000;
    private static final Gson GSON = new Gson();
    private static final String SETTINGS_KEY = "train";
    /** The model file's metadata key for the settings that trained it, carried on into its ONNX export. */
    public static final String TRAINING_KEY = "gale.training";

    /**
     * What a run writes: the model, its checkpoint (to resume from), the per-epoch metrics CSV (null
     * for none), and files the caller writes from the result (e.g. plots), checked with the rest.
     */
    public record Outputs(Path model, Path checkpoint, Path log, List<OutputPaths.Named> others) {
        public Outputs {
            if (model == null || checkpoint == null) {
                throw new IllegalArgumentException("a training run needs a model file and a checkpoint file");
            }
            others = List.copyOf(others);
        }

        /** The model at {@code model}, its checkpoint beside it as {@code MODEL.checkpoint.safetensors}. */
        public static Outputs of(Path model) {
            Path folder = model.toAbsolutePath().getParent();
            return new Outputs(model, folder.resolve(model.getFileName() + ".checkpoint.safetensors"), null, List.of());
        }

        /** The checkpoint as {@code folder/last.safetensors}; the folder is made when missing. */
        public Outputs checkpointIn(Path folder) throws IOException {
            try {
                Files.createDirectories(folder);
            } catch (IOException e) {
                throw new IOException("cannot create the checkpoint folder " + folder + ": " + e.getMessage());
            }
            return new Outputs(model, folder.resolve("last.safetensors"), log, others);
        }

        public Outputs log(Path file) {
            return new Outputs(model, checkpoint, file, others);
        }

        public Outputs others(List<OutputPaths.Named> files) {
            return new Outputs(model, checkpoint, log, files);
        }
    }

    /** What a run tells as it goes; every method does nothing unless overridden. */
    public interface Listener extends StepListener {
        /** Data loaded and network built; training starts. */
        default void started(Start start) {
        }

        @Override
        default void step(int epoch, int done, int rows, float loss) {
        }

        default void epochDone(EpochReport report) {
        }
    }

    /** The run about to train: its network and how many examples each part of the data has (0: none). */
    public record Start(Network network, String data, int trainingRows, int validationRows, int testRows,
                        int resumedAfter, String backend) {
    }

    /**
     * How a run ended. {@code interrupted}: stopped by {@link #requestStop()}, nothing saved beyond
     * the checkpoint of {@code history}'s last epoch. Otherwise the model was saved, and evaluated on
     * {@code evaluatedPart} (test, validation or training); {@code noBetterThanConstant} says it
     * predicts no better than the most common class (or the mean, for mean squared error).
     */
    public record Result(Network network, Normalization normalization, TrainingHistory history, boolean interrupted,
                         String evaluatedPart, Evaluation evaluation, boolean noBetterThanConstant) {
    }

    private final TrainSettings settings;
    private final TrainingState resumed;
    private final Network resumedNetwork;
    private final Normalization resumedNormalization;
    private final Outputs outputs;
    private final Path resumedFrom;
    /** The data when the caller holds it already (e.g. rows a cluster collected); null loads the settings' data. */
    private DataSpec.Source data;
    private volatile Trainer trainer;
    private volatile boolean stopRequested;

    private TrainingRun(TrainSettings settings, CheckpointFile.Checkpoint checkpoint, Path resumeFile,
                        Outputs outputs) throws IOException {
        this.settings = settings;
        this.resumed = checkpoint == null ? null : checkpoint.state();
        this.resumedNetwork = checkpoint == null ? null : checkpoint.model().network();
        this.resumedNormalization = checkpoint == null ? null : checkpoint.model().normalization();
        this.outputs = outputs;
        this.resumedFrom = resumeFile;
        List<OutputPaths.Named> inputs = new ArrayList<>();
        for (Path file : DataSpec.files(settings.data())) {
            inputs.add(new OutputPaths.Named("--data", file));
        }
        inputs.add(new OutputPaths.Named("--init", settings.init() == null ? null : Path.of(settings.init())));
        List<OutputPaths.Named> others = new ArrayList<>(List.of(new OutputPaths.Named("--out", outputs.model()),
                new OutputPaths.Named("--log", outputs.log())));
        others.addAll(outputs.others());
        List<OutputPaths.Named> written = new ArrayList<>(others);
        written.add(new OutputPaths.Named("the checkpoint", outputs.checkpoint()));
        OutputPaths.check(inputs, written);
        if (resumeFile != null) {
            // Resuming rewrites the checkpoint it read, by design; no other output may overwrite it.
            OutputPaths.check(List.of(new OutputPaths.Named("--resume", resumeFile)), others);
        }
    }

    /** A new run of {@code settings}. */
    public static TrainingRun start(TrainSettings settings, Outputs outputs) throws IOException {
        return new TrainingRun(settings, null, null, outputs);
    }

    /** Continues the run saved in {@code checkpoint}, with the settings it stored. */
    public static TrainingRun resume(Path checkpoint, Outputs outputs) throws IOException {
        CheckpointFile.Checkpoint saved = CheckpointFile.load(checkpoint);
        JsonElement json = saved.settings() == null ? null : saved.settings().get(SETTINGS_KEY);
        if (json == null) {
            throw new ModelFormatException(checkpoint + " was not written by gale train: it has no training settings");
        }
        TrainSettings settings;
        try {
            settings = GSON.fromJson(json, TrainSettings.class);
        } catch (RuntimeException e) {
            // Gson wraps what the settings' constructor refuses in a plain RuntimeException.
            throw new ModelFormatException(checkpoint + " has unusable training settings: " + rootMessage(e));
        }
        return new TrainingRun(settings, saved, checkpoint, outputs);
    }

    public TrainSettings settings() {
        return settings;
    }

    public Outputs outputs() {
        return outputs;
    }

    /** The checkpoint this run resumes, or null for a new run. */
    public Path resumedFrom() {
        return resumedFrom;
    }

    /**
     * Trains on {@code data} instead of loading the settings' {@code data}, which then only names
     * it in messages and in the model's metadata; returns this run.
     */
    public TrainingRun data(DataSpec.Source data) {
        this.data = data;
        return this;
    }

    /** Completed epochs of the checkpoint this run resumes (0 for a new run). */
    public int resumedAfter() {
        return resumed == null ? 0 : resumed.epochsDone();
    }

    /**
     * Stops a running {@link #run} at the next step, e.g. from a Ctrl-C handler on another thread: it
     * returns an interrupted result once the last completed epoch's checkpoint is on disk.
     */
    public void requestStop() {
        stopRequested = true;
        Trainer running = trainer;
        if (running != null) {
            running.requestStop();
        }
    }

    /** Trains on {@code backend}, which stays the caller's to close. */
    public Result run(Backend backend, Listener listener) throws IOException {
        return run(backend, listener, Collective.ONE_WORKER);
    }

    /**
     * Trains on {@code backend} as one of {@code collective}'s workers, each running this same run on
     * its share of every batch (see {@link Trainer.Builder#collective}). Worker 0 alone writes the
     * checkpoints, the model and the log, and evaluates; the others return a result with the
     * history and no evaluation.
     */
    public Result run(Backend backend, Listener listener, Collective collective) throws IOException {
        boolean writes = collective.rank() == 0;
        DataSpec.Source source = data != null ? data : DataSpec.load(settings.data(), settings.labelColumn(),
                settings.classes(), settings.seed());
        Dataset train = source.train();
        Dataset validation = null;
        if (settings.valSplit() > 0) {
            Dataset[] parts = train.holdOut(settings.valSplit(), settings.seed());
            train = parts[0];
            validation = parts[1];
        }
        Network network;
        Normalization normalization;
        if (resumedNetwork != null) {
            network = resumedNetwork;
            normalization = resumedNormalization;
        } else if (settings.init() != null) {
            ModelFile.Model model = ModelFile.load(Path.of(settings.init()));
            network = model.network();
            normalization = model.normalization();
        } else {
            network = settings.architecture().build(train.inputs(), train.outputs(), settings.seed());
            normalization = Normalization.fit(Normalization.Kind.parse(settings.normalize()), train);
        }
        network.requireFits(train.inputs(), train.outputs(), "the data " + settings.data());
        ImageShift augmentation = settings.imageShift(source.images(), background(normalization));
        train = normalization.apply(train);
        validation = validation == null ? null : normalization.apply(validation);
        Dataset test = source.test() == null ? null : normalization.apply(source.test());
        boolean classifier = network.loss() != Loss.MEAN_SQUARED_ERROR;
        listener.started(new Start(network, source.description(), train.rows(),
                validation == null ? 0 : validation.rows(), test == null ? 0 : test.rows(), resumedAfter(),
                backend.description()));

        TrainingState[] last = {resumed};
        trainer = Trainer.builder(backend)
                .optimizer(settings.buildOptimizer()).schedule(settings.buildSchedule())
                .batchSize(settings.batch()).epochs(settings.epochs()).earlyStopping(settings.earlyStop())
                .seed(settings.seed()).shuffle(settings.shuffle()).augmentation(augmentation)
                .trainingAccuracy(classifier ? ACCURACY_SAMPLE : 0)
                .progress(listener)
                .listener(listener::epochDone)
                .collective(collective)
                .checkpoints(!writes ? null : state -> {
                    saveCheckpoint(network, normalization, state);
                    last[0] = state;
                })
                .build();
        if (stopRequested) {
            trainer.requestStop();
        }
        TrainingHistory history;
        try {
            history = trainer.fit(network, train, validation, resumed);
        } catch (TrainingDivergedException e) {
            throw new TrainingDivergedException(e.getMessage() + (last[0] != null && last[0].epochsDone() > 0
                    ? "; the checkpoint of epoch " + last[0].epochsDone() + " is " + outputs.checkpoint() : "")
                    + "; nothing was saved to " + outputs.model());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (history.interrupted() || !writes) {
            return new Result(network, normalization, history, history.interrupted(), null, null, false);
        }

        Dataset evaluated = test != null ? test : validation != null ? validation : train;
        String part = test != null ? "test" : validation != null ? "validation" : "training";
        Evaluation evaluation = Evaluator.evaluate(backend, network, evaluated);
        boolean noBetter = !betterThanConstant(evaluation, evaluated);
        if (noBetter && Files.exists(outputs.model())) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the trained model is no better than a "
                    + "constant prediction on the %s set (%s): kept the existing %s; the new weights are in %s",
                    part, describe(evaluation), outputs.model(), outputs.checkpoint()));
        }
        ModelFile.save(outputs.model(), network, normalization, Map.of(TRAINING_KEY, GSON.toJson(settings)));
        if (outputs.log() != null) {
            MetricsLog.write(outputs.log(), history.epochs());
        }
        return new Result(network, normalization, history, false, part, evaluation, noBetter);
    }

    /**
     * What the network sees where a moved image shows a raw 0 pixel. A shift moves each pixel's value
     * to another pixel, which only one map for every pixel allows.
     */
    private float background(Normalization normalization) {
        if (settings.augment().equals(TrainSettings.NO_AUGMENTATION)) {
            return 0;
        }
        if (normalization.offset().length != 1) {
            throw new IllegalArgumentException("--augment " + settings.augment() + " moves pixels, and --normalize "
                    + normalization.kind().id() + " maps each pixel its own way: use --normalize scale or none");
        }
        return normalization.apply(new float[] {0}, 1)[0];
    }

    /**
     * Whether the model beats the best prediction that ignores its input: for a classifier, always
     * the most common class; for mean squared error, always the targets' mean.
     */
    private static boolean betterThanConstant(Evaluation evaluation, Dataset data) {
        if (evaluation.confusion() != null) {
            return evaluation.accuracy() > evaluation.confusion().mostCommonClassFraction();
        }
        return evaluation.loss() < Evaluator.constantPredictionLoss(data);
    }

    private static String describe(Evaluation evaluation) {
        return evaluation.confusion() != null
                ? String.format(Locale.ROOT, "accuracy %.4f", evaluation.accuracy())
                : String.format(Locale.ROOT, "loss %.4g", evaluation.loss());
    }

    private void saveCheckpoint(Network network, Normalization normalization, TrainingState state) {
        JsonObject json = new JsonObject();
        json.add(SETTINGS_KEY, GSON.toJsonTree(settings));
        try {
            CheckpointFile.save(outputs.checkpoint(), network, normalization, state, json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
