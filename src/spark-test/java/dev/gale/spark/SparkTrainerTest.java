package dev.gale.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import dev.gale.data.DataSpec;
import dev.gale.io.ModelFile;
import dev.gale.nn.Network;
import dev.gale.run.TrainSettings;
import dev.gale.run.TrainingRun;
import dev.gale.train.EpochReport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two workers in Spark's local mode (two task slots) against one process: a global batch of b rows
 * split between two workers must give the weights of one machine training on batches of b rows.
 */
class SparkTrainerTest {

    /**
     * How far two workers' weights may drift from one machine's: the workers sum their halves of a
     * batch separately and then add the two sums, where one machine sums all rows in one pass, so
     * each gradient element rounds differently (by about 2^-24 of its magnitude) and the updates
     * carry that on for the run's 66 steps (over thousands of steps training amplifies it, as it
     * does a one-ulp change of the learning rate: see the README). Measured on x86 with AVX-512: at most 2.3e-7 over the five
     * optimizers (weights of magnitude up to about 1); another machine's GEMM blocking rounds
     * differently but no larger, and 1e-6 leaves it four times the room.
     */
    private static final double WEIGHT_BOUND = 1e-6;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void startSpark() {
        spark = SparkSession.builder().master("local[2]").appName("gale test")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
    }

    @AfterAll
    static void stopSpark() {
        spark.stop();
    }

    /**
     * 810 training rows (spirals less the validation tenth) in global batches of 37: the workers take
     * 18 and 19 rows, the tail of 33 rows 16 and 17, over three epochs, with dropout and L2.
     */
    private static TrainSettings settings(String optimizer) {
        return TrainSettings.builder("spirals").layers("32,16").dropout(0.2).l2(1e-3).optimizer(optimizer)
                .lr(optimizer.startsWith("adam") ? 0.01 : 0.05).weightDecay(0.01).batch(37).epochs(3).seed(3).build();
    }

    private TrainingRun.Outputs outputs(String name) throws IOException {
        return TrainingRun.Outputs.of(dir.resolve(name + ".safetensors")).checkpointIn(dir.resolve(name + "-checkpoints"));
    }

    private static Network oneMachine(TrainingRun run) throws IOException {
        try (Backend cpu = Backends.open("cpu", 1)) {
            return run.run(cpu, new TrainingRun.Listener() { }).network();
        }
    }

    private Network onWorkers(int workers, TrainingRun run, SparkTrainer.Fault fault) throws IOException {
        return onWorkers(workers, run, fault, new TrainingRun.Listener() { });
    }

    private Network onWorkers(int workers, TrainingRun run, SparkTrainer.Fault fault, TrainingRun.Listener listener)
            throws IOException {
        SparkTrainer.train(spark, run, workers, TIMEOUT, fault, listener);
        return ModelFile.load(run.outputs().model()).network();
    }

    private static double maxDifference(Network a, Network b) {
        double max = 0;
        for (int l = 0; l < a.layers().size(); l++) {
            for (float[][] pair : new float[][][] {{a.weights(l), b.weights(l)}, {a.bias(l), b.bias(l)}}) {
                for (int i = 0; i < pair[0].length; i++) {
                    max = Math.max(max, Math.abs(pair[0][i] - pair[1][i]));
                }
            }
        }
        return max;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "momentum", "nesterov", "adam", "adamw"})
    void twoWorkersReachTheWeightsOfOneMachine(String optimizer) throws IOException {
        Network one = oneMachine(TrainingRun.start(settings(optimizer), outputs("one")));
        Network two = onWorkers(2, TrainingRun.start(settings(optimizer), outputs("two")), null);
        double difference = maxDifference(one, two);
        System.out.printf("%s: max |w(2 workers) - w(1 machine)| = %.3g%n", optimizer, difference);
        assertTrue(difference <= WEIGHT_BOUND, optimizer + ": " + difference);
    }

    /** A worker alone exchanges nothing: its step plan is one machine's, and so are its bits. */
    @Test
    void oneWorkerIsOneMachineBitForBit() throws IOException {
        Network one = oneMachine(TrainingRun.start(settings("adamw"), outputs("one")));
        Network alone = onWorkers(1, TrainingRun.start(settings("adamw"), outputs("alone")), null);
        assertEquals(0, maxDifference(one, alone));
    }

    /**
     * Worker 1 fails once, halfway through epoch 2; the restarted stage resumes from epoch 1's
     * checkpoint, and the driver tells of each epoch once.
     */
    @Test
    void aTaskLostMidEpochRestartsTheStageAndEndsWithTheSameWeights() throws IOException {
        Network uninterrupted = onWorkers(2, TrainingRun.start(settings("adamw"), outputs("whole")), null);
        List<Integer> told = new ArrayList<>();
        Network restarted = onWorkers(2, TrainingRun.start(settings("adamw"), outputs("restarted")),
                (rank, attempt, epoch, done) -> {
                    if (attempt == 1) {
                        Attempts.FIRST_EPOCH_OF_RETRY.compareAndSet(-1, epoch);
                    }
                    if (rank == 1 && attempt == 0 && epoch == 1 && done >= 405) {
                        throw new RuntimeException("worker 1's executor was lost");
                    }
                }, new TrainingRun.Listener() {
                    @Override
                    public void epochDone(EpochReport report) {
                        told.add(report.epoch());
                    }
                });
        assertEquals(1, Attempts.FIRST_EPOCH_OF_RETRY.get(), "the retry started at epoch 2 (index 1), from the checkpoint");
        assertEquals(0, maxDifference(uninterrupted, restarted), "the same bits as the run that was not interrupted");
        assertEquals(List.of(0, 1, 2), told);
    }

    /** Spark restarts the stage 4 times (spark.stage.maxConsecutiveAttempts), then the run ends in one line. */
    @Test
    void aTaskThatAlwaysFailsEndsTheRunWithItsReasonInOneLine() throws IOException {
        TrainingRun run = TrainingRun.start(settings("sgd"), outputs("failing"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> onWorkers(2, run,
                (rank, attempt, epoch, done) -> {
                    if (rank == 1 && done >= 74) {
                        throw new RuntimeException("worker 1's executor was lost");
                    }
                }));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith("the Spark job failed: "), e.getMessage());
        // Whichever failure Spark heard of last: the lost executor, or its peer seeing the connection close.
        assertTrue(e.getMessage().endsWith("worker 1's executor was lost")
                || e.getMessage().contains("closed its connection"), e.getMessage());
    }

    /** Tasks run in this JVM in local mode, so what they record here is seen by the test. */
    private static final class Attempts {
        static final AtomicInteger FIRST_EPOCH_OF_RETRY = new AtomicInteger(-1);
    }

    @Test
    void twoWorkersResumeOneMachinesCheckpoint() throws IOException {
        Network whole = oneMachine(TrainingRun.start(settings("nesterov"), outputs("whole")));
        TrainingRun first = TrainingRun.start(settings("nesterov"), outputs("first"));
        try (Backend cpu = Backends.open("cpu", 1)) {
            first.run(cpu, new TrainingRun.Listener() {
                @Override
                public void epochDone(EpochReport report) {
                    first.requestStop();
                }
            });
        }
        Network resumed = onWorkers(2, TrainingRun.resume(first.outputs().checkpoint(), outputs("resumed")), null);
        double difference = maxDifference(whole, resumed);
        assertTrue(difference <= WEIGHT_BOUND, "resumed after epoch 1: " + difference);
    }

    @Test
    void twoWorkersTrainOnASparkDatasetAsOneMachineOnItsRows() throws IOException {
        DataSpec.Source spirals = DataSpec.load("spirals", 0, 0, 3);
        dev.gale.data.Dataset data = spirals.train();
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < data.rows(); r++) {
            List<Float> features = new ArrayList<>();
            for (int i = 0; i < data.inputs(); i++) {
                features.add(data.features()[r * data.inputs() + i]);
            }
            int label = 0;
            for (int k = 1; k < data.outputs(); k++) {
                label = data.targets()[r * data.outputs() + k] > data.targets()[r * data.outputs() + label] ? k : label;
            }
            rows.add(RowFactory.create(features, label));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType))
                .add("label", DataTypes.IntegerType);
        TrainSettings settings = settings("adam");
        Network one = oneMachine(TrainingRun.start(settings, outputs("one"))
                .data(new DataSpec.Source("spirals", data, null)));
        SparkTrainer.train(spark, spark.createDataFrame(rows, schema), "features", "label", settings,
                outputs("two"), 2, 1, new TrainingRun.Listener() { });
        double difference = maxDifference(one, ModelFile.load(dir.resolve("two.safetensors")).network());
        assertTrue(difference <= WEIGHT_BOUND, "from a Spark Dataset: " + difference);
    }
}
