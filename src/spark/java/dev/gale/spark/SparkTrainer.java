package dev.gale.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.compute.Collective;
import dev.gale.data.DataSpec;
import dev.gale.io.ModelFile;
import dev.gale.nn.Network;
import dev.gale.run.CheckpointFile;
import dev.gale.run.ClusterTrainer;
import dev.gale.run.TrainSettings;
import dev.gale.run.TrainingRun;
import dev.gale.train.EpochReport;
import dev.gale.train.Evaluation;
import dev.gale.train.TrainingDivergedException;
import dev.gale.train.TrainingHistory;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Data-parallel training on Apache Spark: one barrier stage of N tasks, started together, each a
 * worker that runs the whole {@link TrainingRun} on its contiguous share of every global batch and
 * sums gradients with the others through a {@link TcpRing} before each update. Every worker holds
 * the weights one machine reaches with the same batch; worker 0 writes the checkpoints, the model
 * and the log. A failed task fails the stage, and Spark restarts all of its tasks, which then resume
 * from the last checkpoint that worker 0 wrote in this run.
 *
 * <p>Files (data, model, checkpoints) are read and written by the tasks, so on a cluster they must
 * be paths every executor sees, e.g. a shared file system.
 */
public final class SparkTrainer implements ClusterTrainer {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();
    private static final String LOG_CONFIGURATION = "log4j2.configurationFile";
    /** A qualified exception class and its message, as Spark quotes a failed task's exception. */
    private static final Pattern TASK_EXCEPTION =
            Pattern.compile("(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ([^\\n]*)");

    /**
     * For {@link java.util.ServiceLoader}: {@code gale train --spark} finds Spark through it. Resolving
     * a Spark class here makes a jar built with this module but run without Spark fail where the
     * core looks for a cluster trainer, which it then reports as missing, and not halfway into a run.
     */
    public SparkTrainer() {
        SparkSession.class.getName();
    }

    /** Where a test makes a task fail, as a lost executor would; null outside tests. */
    interface Fault extends Serializable {
        /** Called by every worker after each step of each stage attempt. */
        void afterStep(int rank, int attempt, int epoch, int done);
    }

    @Override
    public TrainingRun.Result train(TrainingRun run, String master, int workers, String device, int threads,
                                    TrainingRun.Listener listener) throws IOException {
        if (System.getProperty(LOG_CONFIGURATION) == null) {
            // Spark logs every stage at INFO to the console unless log4j is configured otherwise.
            System.setProperty(LOG_CONFIGURATION, SparkTrainer.class.getResource("log4j2-gale.properties").toString());
        }
        SparkSession spark;
        try {
            spark = SparkSession.builder().master(master).appName("gale train")
                    .config("spark.ui.showConsoleProgress", "false").getOrCreate();
        } catch (Exception e) {
            // Scala throws SparkException, a checked exception, without declaring it.
            throw new IllegalArgumentException("cannot start Spark with master '" + master + "': " + reason(e));
        }
        try {
            return train(spark, run, workers, device, threads, listener);
        } finally {
            spark.stop();
        }
    }

    /**
     * Trains {@code run} as {@code workers} workers of {@code spark} (0: its default parallelism), each
     * on backend {@code device} with {@code threads} threads (0: the cores Spark gives a task), and
     * returns worker 0's result. Every task loads the settings' data spec; rows given to
     * {@link TrainingRun#data} stay on the driver (train on those through a {@code Dataset<Row>}).
     * {@code listener} hears of each epoch when worker 0's checkpoint holds it (only
     * {@link TrainingRun.Listener#epochDone}), on a thread of its own.
     */
    public static TrainingRun.Result train(SparkSession spark, TrainingRun run, int workers, String device,
                                           int threads, TrainingRun.Listener listener) throws IOException {
        return new Job(run, null, device, threads, TcpRing.DEFAULT_TIMEOUT, null)
                .run(spark, workers, run.resumedAfter(), listener);
    }

    /**
     * Trains on the rows of {@code rows}: {@code featuresColumn} an array of numbers per row,
     * {@code labelColumn} an integer class in [0, classes). The rows are collected in the Dataset's
     * order and broadcast, so every worker walks the same shuffled order, as one machine would;
     * {@code settings.data()} only names them. Workers, threads and listener as in
     * {@link #train(SparkSession, TrainingRun, int, String, int, TrainingRun.Listener)}, on the CPU
     * backend.
     */
    public static TrainingRun.Result train(SparkSession spark, Dataset<Row> rows, String featuresColumn,
                                           String labelColumn, TrainSettings settings, TrainingRun.Outputs outputs,
                                           int workers, int threads, TrainingRun.Listener listener)
            throws IOException {
        Examples examples = Examples.collect(rows, featuresColumn, labelColumn, settings.classes());
        Broadcast<Examples> shared = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(examples);
        try {
            return new Job(TrainingRun.start(settings, outputs), shared, "cpu", threads, TcpRing.DEFAULT_TIMEOUT, null)
                    .run(spark, workers, 0, listener);
        } finally {
            shared.destroy();
        }
    }

    /** {@link #train(SparkSession, TrainingRun, int, String, int, TrainingRun.Listener)} with a test's fault and timeout. */
    static TrainingRun.Result train(SparkSession spark, TrainingRun run, int workers, Duration timeout, Fault fault,
                                    TrainingRun.Listener listener) throws IOException {
        return new Job(run, null, "cpu", 1, timeout, fault).run(spark, workers, run.resumedAfter(), listener);
    }

    /** Rows collected from a Spark Dataset, as one machine would hold them. */
    record Examples(float[] features, float[] targets, int rows, int inputs, int outputs, String description)
            implements Serializable {

        static Examples collect(Dataset<Row> rows, String featuresColumn, String labelColumn, int classes) {
            List<Row> collected = rows.select(featuresColumn, labelColumn).collectAsList();
            if (collected.isEmpty()) {
                throw new IllegalArgumentException("the Spark Dataset has no rows to train on");
            }
            int inputs = collected.getFirst().getList(0).size();
            float[] features = new float[collected.size() * inputs];
            int[] labels = new int[collected.size()];
            for (int r = 0; r < collected.size(); r++) {
                Row row = collected.get(r);
                List<Object> values = row.getList(0);
                if (values.size() != inputs) {
                    throw new IllegalArgumentException("row " + r + " of the Spark Dataset has " + values.size()
                            + " features in '" + featuresColumn + "'; the first row has " + inputs);
                }
                for (int i = 0; i < inputs; i++) {
                    features[r * inputs + i] = ((Number) values.get(i)).floatValue();
                }
                labels[r] = ((Number) row.get(1)).intValue();
            }
            int count = classes > 0 ? classes : IntStream.of(labels).max().orElseThrow() + 1;
            dev.gale.data.Dataset data = dev.gale.data.Dataset.classification(features, labels, count);
            return new Examples(data.features(), data.targets(), data.rows(), data.inputs(), data.outputs(),
                    "a Spark Dataset (" + data.rows() + " rows of " + inputs + " features in '" + featuresColumn
                            + "', classes in '" + labelColumn + "')");
        }

        DataSpec.Source source() {
            return new DataSpec.Source(description, new dev.gale.data.Dataset(features, targets, rows, inputs, outputs),
                    null);
        }
    }

    /**
     * How a task ended: a hash of the worker's final weights, and worker 0's history and evaluation
     * (as JSON); or the one-line mistake that ended every worker.
     */
    record Outcome(int rank, String error, int weights, String history, String evaluation, String part,
                   boolean noBetter) implements Serializable {

        static Outcome failed(int rank, String error) {
            return new Outcome(rank, error, 0, null, null, null, false);
        }
    }

    /** Everything a task needs, in a form Spark can ship to executors. */
    private record Job(String settings, String resume, String model, String checkpoint, String log,
                       String checkpointAtStart, Broadcast<Examples> examples, String device, int threads,
                       Duration timeout, Fault fault) implements Serializable {

        Job(TrainingRun run, Broadcast<Examples> examples, String device, int threads, Duration timeout, Fault fault)
                throws IOException {
            this(GSON.toJson(run.settings()), run.resumedFrom() == null ? null : run.resumedFrom().toString(),
                    run.outputs().model().toString(), run.outputs().checkpoint().toString(),
                    run.outputs().log() == null ? null : run.outputs().log().toString(),
                    fingerprint(run.outputs().checkpoint()), examples, device, threads, timeout, fault);
        }

        /** Runs the job; {@code told} epochs (a resumed checkpoint's) are not told to {@code listener} again. */
        TrainingRun.Result run(SparkSession spark, int workers, int told, TrainingRun.Listener listener)
                throws IOException {
            try {
                return runStage(spark, workers, told, listener);
            } catch (RuntimeException e) {
                if (spark.sparkContext().isStopped()) {
                    // A master that stops answering stops the context at any moment, and what fails then
                    // is Spark's own plumbing, whose message says nothing to a user.
                    throw new IllegalStateException("Spark stopped the application before the job ended (see Spark's "
                            + "log): check that the master " + spark.sparkContext().master() + " runs and answers");
                }
                throw e;
            }
        }

        private TrainingRun.Result runStage(SparkSession spark, int workers, int told, TrainingRun.Listener listener)
                throws IOException {
            int slots = spark.sparkContext().defaultParallelism();
            int count = workers == 0 ? slots : workers;
            if (count < 1) {
                throw new IllegalArgumentException("--workers must be 0 (Spark's default parallelism) or a positive "
                        + "count, got " + workers);
            }
            if (spark.sparkContext().isLocal() && count > slots) {
                throw new IllegalArgumentException("--workers " + count + " needs " + count + " task slots started "
                        + "together; " + spark.sparkContext().master() + " has " + slots + ": use local[" + count
                        + "] or fewer workers");
            }
            JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
            JavaRDD<Integer> ranks = context.parallelize(IntStream.range(0, count).boxed().toList(), count);
            Job job = this;
            Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Outcome>> task =
                    (Function1<scala.collection.Iterator<Integer>, scala.collection.Iterator<Outcome>> & Serializable)
                            partition -> CollectionConverters.asScala(List.of(job.work()).iterator());
            ClassTag<Outcome> tag = ClassTag$.MODULE$.apply(Outcome.class);
            List<Outcome> outcomes;
            EpochWatch watch = new EpochWatch(Path.of(checkpoint), checkpointAtStart, told, listener);
            try (watch) {
                // Spark restarts a failed barrier stage only when its output goes to a shuffle (a failed
                // barrier result stage is given up), so the outcomes pass through one.
                outcomes = JavaRDD.fromRDD(ranks.rdd().barrier().mapPartitions(task, false, tag), tag).repartition(1)
                        .collect();
            } catch (Exception e) {
                throw new IllegalStateException("the Spark job failed: " + reason(e));
            }
            for (Outcome outcome : outcomes) {
                if (outcome.error() != null) {
                    throw new IllegalStateException(outcome.error());
                }
            }
            Outcome first = outcomes.stream().filter(o -> o.rank() == 0).findFirst().orElseThrow();
            for (Outcome outcome : outcomes) {
                if (outcome.weights() != first.weights()) {
                    throw new IllegalStateException("worker " + outcome.rank() + " ended with other weights than "
                            + "worker 0; the exchange of gradients is broken");
                }
            }
            TrainingHistory history = GSON.fromJson(first.history(), TrainingHistory.class);
            // The last checkpoint may have come after the watch's last look.
            watch.tell(history.epochs());
            ModelFile.Model saved = ModelFile.load(Path.of(model));
            return new TrainingRun.Result(saved.network(), saved.normalization(), history, false, first.part(),
                    GSON.fromJson(first.evaluation(), Evaluation.class), first.noBetter());
        }

        /** One worker: join the ring, train, and say how it ended. */
        Outcome work() {
            BarrierTaskContext context = BarrierTaskContext.get();
            int rank = context.partitionId();
            int attempt = context.stageAttemptNumber();
            try (ServerSocketChannel server = TcpRing.listen();
                 TcpRing ring = join(context, server, rank);
                 Backend backend = Backends.open(device, threads == 0 ? context.cpus() : threads)) {
                TrainingRun run = open(attempt);
                if (examples != null) {
                    run.data(examples.value().source());
                }
                TrainingRun.Result result = run.run(backend, new TrainingRun.Listener() {
                    @Override
                    public void step(int epoch, int done, int rows, float loss) {
                        if (fault != null) {
                            fault.afterStep(rank, attempt, epoch, done);
                        }
                    }
                }, ring == null ? Collective.ONE_WORKER : ring);
                int weights = hash(result.network());
                return rank != 0 ? new Outcome(rank, null, weights, null, null, null, false)
                        : new Outcome(rank, null, weights, GSON.toJson(result.history()),
                                GSON.toJson(result.evaluation()), result.evaluatedPart(),
                                result.noBetterThanConstant());
            } catch (IOException | UncheckedIOException | IllegalArgumentException | IllegalStateException
                     | TrainingDivergedException e) {
                // The user's mistakes end every worker alike: said once, never retried.
                return Outcome.failed(rank, message(e));
            }
        }

        /** Joins the other workers' ring, the addresses exchanged through Spark; null for a worker alone. */
        private TcpRing join(BarrierTaskContext context, ServerSocketChannel server, int rank) throws IOException {
            String[] ports = context.allGather(Integer.toString(((InetSocketAddress) server.getLocalAddress())
                    .getPort()));
            if (ports.length == 1) {
                return null;
            }
            BarrierTaskInfo[] tasks = context.getTaskInfos();
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (int i = 0; i < tasks.length; i++) {
                String executor = tasks[i].address();
                addresses.add(new InetSocketAddress(executor.substring(0, executor.lastIndexOf(':')),
                        Integer.parseInt(ports[i])));
            }
            return TcpRing.connect(server, rank, addresses, timeout);
        }

        /**
         * A restarted stage continues from the checkpoint worker 0 wrote since the job began (one that
         * was there before belongs to an earlier run); the first attempt starts or resumes as asked.
         */
        private TrainingRun open(int attempt) throws IOException {
            TrainingRun.Outputs outputs = new TrainingRun.Outputs(Path.of(model), Path.of(checkpoint),
                    log == null ? null : Path.of(log), List.of());
            Path saved = Path.of(checkpoint);
            if (attempt > 0 && !fingerprint(saved).equals(checkpointAtStart)) {
                return TrainingRun.resume(saved, outputs);
            }
            if (resume != null) {
                return TrainingRun.resume(Path.of(resume), outputs);
            }
            return TrainingRun.start(GSON.fromJson(settings, TrainSettings.class), outputs);
        }
    }

    /**
     * Tells a listener, on the driver, of the epochs worker 0's checkpoint holds while the job runs:
     * the only news of a run that Spark carries from the tasks, and a file every worker can reach.
     */
    private static final class EpochWatch implements AutoCloseable {
        private static final long POLL_MILLIS = 500;
        private final Path checkpoint;
        private final TrainingRun.Listener listener;
        private final Thread thread;
        private String seen;
        private int told;

        EpochWatch(Path checkpoint, String atStart, int told, TrainingRun.Listener listener) {
            this.checkpoint = checkpoint;
            this.listener = listener;
            this.seen = atStart;
            this.told = told;
            this.thread = Thread.ofPlatform().daemon().name("gale-epoch-watch").start(this::watch);
        }

        private void watch() {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(POLL_MILLIS);
                    String now = fingerprint(checkpoint);
                    if (!now.equals(seen)) {
                        seen = now;
                        tell(CheckpointFile.load(checkpoint).state().reports());
                    }
                }
            } catch (InterruptedException e) {
                // The job ended.
            } catch (IOException | RuntimeException e) {
                // A checkpoint this watch cannot read tells nothing; the run's result will.
            }
        }

        /** Tells the listener of the epochs in {@code reports} it has not heard of yet. */
        synchronized void tell(List<EpochReport> reports) {
            for (; told < reports.size(); told++) {
                listener.epochDone(reports.get(told));
            }
        }

        @Override
        public void close() {
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The bits of every weight and bias, hashed: workers that hold the same weights give the same hash. */
    private static int hash(Network network) {
        int hash = 1;
        for (int l = 0; l < network.layers().size(); l++) {
            hash = 31 * (31 * hash + Arrays.hashCode(network.weights(l))) + Arrays.hashCode(network.bias(l));
        }
        return hash;
    }

    /** What tells a checkpoint written in this job from the one (or none) that was there before it. */
    private static String fingerprint(Path checkpoint) throws IOException {
        return Files.exists(checkpoint)
                ? Files.getLastModifiedTime(checkpoint).toInstant() + " " + Files.size(checkpoint) : "none";
    }

    private static String message(Exception e) {
        return e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
    }

    /**
     * The line a user needs from a Spark failure, whose messages wrap the failed task's exception in
     * stage and job details and a remote stack trace: that exception's message, else the first line.
     */
    private static String reason(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            text.append(cause.getMessage()).append('\n');
        }
        Matcher failure = TASK_EXCEPTION.matcher(text);
        return failure.find() ? failure.group(1) : text.substring(0, text.indexOf("\n"));
    }
}
