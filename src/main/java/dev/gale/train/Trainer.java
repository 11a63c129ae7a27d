package dev.gale.train;

import dev.gale.compute.Backend;
import dev.gale.compute.Collective;
import dev.gale.data.Dataset;
import dev.gale.data.ImageShift;
import dev.gale.nn.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Trains a network on one backend: mini-batch epochs with per-epoch shuffling, a learning-rate
 * schedule, and early stopping on a validation set that restores the best weights.
 *
 * <p>Per step only the mini-batch and three step scalars go to the backend and one float (the cost)
 * comes back; weights come back once per epoch, so that the network always holds the last
 * completed epoch.
 */
public final class Trainer {

    private final Backend backend;
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final int batchSize;
    private final int epochs;
    private final boolean shuffle;
    private final long seed;
    private final int patience;
    private final Consumer<EpochReport> listener;
    private final StepListener progress;
    private final Consumer<TrainingState> checkpoints;
    private final int accuracySample;
    private final ImageShift augmentation;
    private final Collective collective;
    private volatile boolean stopRequested;

    /**
     * A thousandfold rise of the cost: no learning rate that trains goes there (a too-large one
     * that still trains oscillates within a few times its start), and one that explodes passes it
     * within a few steps, long before the weights overflow.
     */
    static final double DIVERGENCE_FACTOR = 1e3;

    private Trainer(Builder b) {
        this.backend = b.backend;
        this.optimizer = b.optimizer;
        this.schedule = b.schedule;
        this.batchSize = b.batchSize;
        this.epochs = b.epochs;
        this.shuffle = b.shuffle;
        this.seed = b.seed;
        this.patience = b.patience;
        this.listener = b.listener;
        this.progress = b.progress;
        this.checkpoints = b.checkpoints;
        this.accuracySample = b.accuracySample;
        this.augmentation = b.augmentation;
        this.collective = b.collective;
    }

    public static Builder builder(Backend backend) {
        return new Builder(backend);
    }

    /** Trains {@code network} in place on {@code train}. */
    public TrainingHistory fit(Network network, Dataset train) {
        return fit(network, train, null);
    }

    /**
     * Trains {@code network} in place; with a validation set each epoch is evaluated on it, and with
     * early stopping the network ends with the weights of its best validation epoch.
     */
    public TrainingHistory fit(Network network, Dataset train, Dataset validation) {
        return fit(network, train, validation, null);
    }

    /**
     * Continues a run from {@code resume}, a state this trainer's checkpoint listener received, with
     * {@code network} holding the weights of that state's last epoch; null starts afresh. Given the
     * same settings and data, the run ends with the weights of a run never interrupted.
     */
    public TrainingHistory fit(Network network, Dataset train, Dataset validation, TrainingState resume) {
        network.requireFits(train.inputs(), train.outputs(), "the training data");
        if (validation != null) {
            network.requireFits(validation.inputs(), validation.outputs(), "the validation data");
        } else if (patience > 0) {
            throw new IllegalArgumentException("early stopping needs a validation set");
        }
        if (augmentation != null && augmentation.features() != train.inputs()) {
            throw new IllegalArgumentException("the augmentation moves images of " + augmentation.height() + " x "
                    + augmentation.width() + " pixels, but the training rows have " + train.inputs() + " features");
        }
        Run run;
        if (optimizer instanceof Optimizer.ConjugateGradient) {
            if (augmentation != null) {
                throw new IllegalArgumentException("conjugate gradient minimises one fixed cost: it cannot train on "
                        + "augmented images; use a mini-batch optimizer or leave the augmentation out");
            }
            if (resume != null) {
                throw new IllegalArgumentException("conjugate gradient runs cannot be resumed; start again or use "
                        + "a mini-batch optimizer");
            }
            if (collective.workers() > 1) {
                throw new IllegalArgumentException("conjugate gradient runs on one machine; use a mini-batch optimizer "
                        + "to train on many workers");
            }
            run = new FullBatchRun(network, train);
        } else {
            run = new MiniBatchRun(network, train, resume);
        }
        BatchRunner validator = validation == null && accuracySample == 0 ? null : new BatchRunner(run.resident());
        Dataset sample = accuracySample == 0 ? null : train.slice(0, Math.min(accuracySample, train.rows()));
        List<EpochReport> reports = new ArrayList<>(resume == null ? List.of() : resume.reports());
        Network best = resume == null || resume.best() == null ? null : resume.best().copy();
        int bestEpoch = resume == null ? -1 : resume.bestEpoch();
        double bestLoss = resume == null ? Double.POSITIVE_INFINITY : resume.bestLoss();
        // A run checkpointed at the epoch where early stopping fired has nothing left to train.
        boolean stoppedEarly = patience > 0 && bestEpoch >= 0 && reports.size() - 1 - bestEpoch >= patience;
        boolean interrupted = false;
        Network lastGood = network.copy();
        for (int epoch = reports.size(); epoch < epochs && !stoppedEarly; epoch++) {
            long start = System.nanoTime();
            double lr = learningRate(epoch);
            double trainingLoss = run.epoch(epoch, lr);
            if (Double.isNaN(trainingLoss) && stopRequested) {
                interrupted = true;
                break;
            }
            lastGood.copyParametersFrom(network);
            run.resident().download();
            String nonFinite = network.firstNonFinite();
            if (nonFinite != null) {
                network.copyParametersFrom(lastGood);
                throw new TrainingDivergedException("the weights became infinite or NaN in epoch " + (epoch + 1) + " ("
                        + nonFinite + "): lower the learning rate; the network keeps the weights of the last "
                        + "completed epoch");
            }
            Evaluation checked = validation == null ? null : validator.evaluate(validation);
            EpochReport report = new EpochReport(epoch, lr, trainingLoss,
                    sample == null ? Double.NaN : validator.evaluate(sample).accuracy(),
                    checked == null ? Double.NaN : checked.loss(),
                    checked == null ? Double.NaN : checked.accuracy(), System.nanoTime() - start);
            reports.add(report);
            listener.accept(report);
            if (patience == 0) {
                bestEpoch = epoch;
            } else if (checked.loss() < bestLoss) {
                bestLoss = checked.loss();
                bestEpoch = epoch;
                best = network.copy();
            } else if (epoch - bestEpoch >= patience) {
                stoppedEarly = true;
            }
            if (checkpoints != null && run instanceof MiniBatchRun miniBatch) {
                checkpoints.accept(new TrainingState(epoch + 1, miniBatch.step, run.resident().downloadState(),
                        bestEpoch, bestLoss, best == null ? null : best.copy(), reports));
            }
            if (run.converged()) {
                break;
            }
        }
        if (best != null && !interrupted) {
            network.copyParametersFrom(best);
        }
        return new TrainingHistory(reports, bestEpoch, stoppedEarly, interrupted);
    }

    /**
     * Asks a running {@link #fit} on another thread to stop at the next step (Ctrl-C); a stopped
     * trainer stays stopped. The fit returns an interrupted history, the network holding the last
     * completed epoch, which the checkpoint listener has already seen.
     */
    public void requestStop() {
        stopRequested = true;
    }

    private double learningRate(int epoch) {
        return switch (optimizer) {
            case Optimizer.Sgd s -> s.learningRate();
            case Optimizer.Momentum m -> m.learningRate();
            case Optimizer.Adam a -> a.learningRate();
            case Optimizer.ConjugateGradient c -> Double.NaN;
        } * schedule.factor(epoch, epochs);
    }

    private static TrainingDivergedException diverged(double loss, int epoch, String where) {
        return new TrainingDivergedException("the cost became " + String.format(Locale.ROOT, "%.4g", loss)
                + " in epoch " + (epoch + 1) + " (" + where
                + "): lower the learning rate; the network keeps the weights of the last completed epoch");
    }

    /**
     * The cost a step may reach before the run counts as exploded: {@link #DIVERGENCE_FACTOR} times
     * the larger of the run's first cost and the cost of a uniform guess (ln K for softmax, K ln 2
     * for K logistic outputs); a mean-squared-error run has only its first cost to go by.
     */
    private static double divergenceBound(Network network, double firstCost) {
        int k = network.outputs();
        double guess = switch (network.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> Math.log(k);
            case LOGISTIC -> k * Math.log(2);
            case MEAN_SQUARED_ERROR -> 0;
        };
        double scale = Math.max(firstCost, guess);
        return scale > 0 ? DIVERGENCE_FACTOR * scale : Double.POSITIVE_INFINITY;
    }

    private interface Run {
        ResidentNetwork resident();

        /** Trains one epoch and returns its mean cost, or NaN when a stop was requested mid-epoch. */
        double epoch(int epoch, double learningRate);

        boolean converged();
    }

    /**
     * Mini-batch steps as compiled plans: a full-batch plan and, when rows do not divide, a tail plan.
     * With many workers, every worker walks the same shuffled order and takes its share of each
     * batch, so that the batches are those of one machine.
     */
    private final class MiniBatchRun implements Run {
        private final Dataset train;
        private final ResidentNetwork resident;
        private final Step full;
        private final Step tail;
        private final int[] order;
        private final Network network;
        private long step;
        /** The cost above which the run has exploded, set by its first step. */
        private double bound = Double.NaN;

        private final class Step {
            /** Rows of the global batch. */
            final int rows;
            final StepPlanner.BatchShare share;
            final float[] features;
            final float[] targets;
            final TrainingStep compiled;

            Step(int rows) {
                this.rows = rows;
                this.share = StepPlanner.BatchShare.of(rows, collective);
                this.features = new float[share.rows() * train.inputs()];
                this.targets = new float[share.rows() * train.outputs()];
                this.compiled = new TrainingStep(resident, optimizer, share, collective);
            }
        }

        MiniBatchRun(Network network, Dataset train, TrainingState resume) {
            this.train = train;
            this.network = network;
            int rows = Math.min(batchSize, train.rows());
            // No share of a batch of at most rows rows is larger: a worker's share of t rows is at most ceil(t / N).
            int shareRows = Math.ceilDiv(rows, collective.workers());
            this.resident = ResidentNetwork.forTraining(backend, network, shareRows, StepPlanner.stateBuffers(optimizer),
                    seed);
            if (resume != null) {
                resident.uploadState(resume.optimizerState());
                this.step = resume.step();
            }
            this.full = new Step(rows);
            int remainder = train.rows() % rows;
            this.tail = remainder == 0 ? null : new Step(remainder);
            this.order = new int[train.rows()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
        }

        @Override
        public ResidentNetwork resident() {
            return resident;
        }

        @Override
        public double epoch(int epoch, double learningRate) {
            if (shuffle) {
                shuffle(epoch);
            }
            double total = 0;
            for (int start = 0; start < order.length; start += full.rows) {
                if (stopRequested) {
                    return Double.NaN;
                }
                Step s = order.length - start >= full.rows ? full : tail;
                gather(start, s, epoch);
                float loss = s.compiled.run(s.features, s.targets, ++step, learningRate);
                if (Double.isNaN(bound)) {
                    bound = divergenceBound(network, loss);
                }
                if (!(loss <= bound)) {
                    throw diverged(loss, epoch, "step " + step);
                }
                total += (double) loss * s.rows;
                progress.step(epoch, start + s.rows, order.length, loss);
            }
            return total / order.length;
        }

        @Override
        public boolean converged() {
            return false;
        }

        /** Epoch e's order depends on (seed, e) alone, so a run resumed at epoch e sees the same batches. */
        private void shuffle(int epoch) {
            Dataset.shuffle(order, seed * 0x9E3779B97F4A7C15L + epoch);
        }

        private void gather(int start, Step s, int epoch) {
            int inputs = train.inputs();
            int outputs = train.outputs();
            for (int i = 0; i < s.share.rows(); i++) {
                int row = order[start + s.share.first() + i];
                if (augmentation == null) {
                    System.arraycopy(train.features(), row * inputs, s.features, i * inputs, inputs);
                } else {
                    augmentation.apply(train.features(), row * inputs, s.features, i * inputs, seed, epoch, row);
                }
                System.arraycopy(train.targets(), row * outputs, s.targets, i * outputs, outputs);
            }
        }
    }

    /** Conjugate gradient on the whole training set: the data stays on the backend, parameters move from the host. */
    private final class FullBatchRun implements Run {
        private final ResidentNetwork resident;
        private final ConjugateGradientMinimizer minimizer;

        FullBatchRun(Network network, Dataset train) {
            this.resident = ResidentNetwork.forTraining(backend, network, train.rows(), 0, seed);
            backend.write(resident.input, train.features());
            backend.write(resident.target, train.targets());
            FlatParameters flat = new FlatParameters(resident, backend.compile(StepPlanner.gradient(resident, train.rows())));
            this.minimizer = new ConjugateGradientMinimizer(flat::cost, flat.read());
        }

        @Override
        public ResidentNetwork resident() {
            return resident;
        }

        @Override
        public double epoch(int epoch, double learningRate) {
            double cost = minimizer.iterate();
            if (!Double.isFinite(cost)) {
                throw diverged(cost, epoch, "conjugate gradient");
            }
            return cost;
        }

        @Override
        public boolean converged() {
            return minimizer.converged();
        }
    }

    public static final class Builder {
        private final Backend backend;
        private Optimizer optimizer = Optimizer.adam(1e-3);
        private Schedule schedule = Schedule.constant();
        private int batchSize = 64;
        private int epochs = 10;
        private boolean shuffle = true;
        private long seed = 1;
        private int patience;
        private Consumer<EpochReport> listener = report -> { };
        private StepListener progress = (epoch, done, rows, loss) -> { };
        private Consumer<TrainingState> checkpoints;
        private int accuracySample;
        private ImageShift augmentation;
        private Collective collective = Collective.ONE_WORKER;

        private Builder(Backend backend) {
            if (backend == null) {
                throw new IllegalArgumentException("a trainer needs a backend, e.g. Backends.open(\"cpu\", 0)");
            }
            this.backend = backend;
        }

        /** Adam at 1e-3 unless set. */
        public Builder optimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        public Builder schedule(Schedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /** Examples per step (64 unless set); ignored by conjugate gradient, which uses them all. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Passes over the data; for conjugate gradient, iterations. */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Seed of the per-epoch shuffles. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Moves each training image as {@code shift} says, afresh in every epoch (null for none): the
         * training rows must be its images. Evaluation sees the images as they are.
         */
        public Builder augmentation(ImageShift shift) {
            this.augmentation = shift;
            return this;
        }

        /** Stop after {@code patience} epochs without a better validation cost, keeping the best weights. */
        public Builder earlyStopping(int patience) {
            this.patience = patience;
            return this;
        }

        /** Called after every epoch, e.g. to print progress. */
        public Builder listener(Consumer<EpochReport> listener) {
            this.listener = listener;
            return this;
        }

        /** Called after every mini-batch step, e.g. for a progress bar; see {@link StepListener}. */
        public Builder progress(StepListener progress) {
            this.progress = progress;
            return this;
        }

        /**
         * Called after every epoch of a mini-batch run with the state to resume from, e.g. to write a
         * checkpoint. The state is the listener's to keep: its arrays are copies. Without a
         * listener, no state is copied off the backend.
         */
        public Builder checkpoints(Consumer<TrainingState> checkpoints) {
            this.checkpoints = checkpoints;
            return this;
        }

        /**
         * Measures the accuracy on the first {@code rows} training examples after every epoch, for
         * {@link EpochReport#trainingAccuracy()}; 0 (the default) measures nothing.
         */
        public Builder trainingAccuracy(int rows) {
            this.accuracySample = rows;
            return this;
        }

        /**
         * Trains as one of {@code collective}'s workers: every worker runs the same fit on the same data,
         * takes its contiguous share of every batch of {@link #batchSize} rows (the global batch) and
         * sums the gradients with the others before each update, so that all hold the weights one
         * machine would reach.
         */
        public Builder collective(Collective collective) {
            this.collective = collective;
            return this;
        }

        public Trainer build() {
            if (optimizer == null || schedule == null || listener == null || progress == null || collective == null) {
                throw new IllegalArgumentException("optimizer, schedule, collective and listeners must not be null");
            }
            if (batchSize <= 0 || epochs <= 0 || patience < 0 || accuracySample < 0) {
                throw new IllegalArgumentException("batch size and epochs must be positive, patience and the accuracy "
                        + "sample >= 0, got " + batchSize + ", " + epochs + ", " + patience + ", " + accuracySample);
            }
            return new Trainer(this);
        }
    }
}
