package dev.gale.run;

import java.io.IOException;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Trains a run on many machines at once. Gale's Spark module implements it; the core finds it at run
 * time, as it finds device backends, so that a build without that module never needs Spark.
 */
public interface ClusterTrainer {

    /**
     * Runs {@code run} as {@code workers} data-parallel workers (0: as many as the cluster offers by
     * default) on the cluster at {@code master}, each on backend {@code device} with {@code threads}
     * threads (0: the cores the cluster gives a task), and returns the result of worker 0, which wrote
     * the run's files. {@code listener} hears of each epoch as it ends ({@link TrainingRun.Listener#epochDone}
     * only), on a thread of its own.
     */
    TrainingRun.Result train(TrainingRun run, String master, int workers, String device, int threads,
                             TrainingRun.Listener listener) throws IOException;

    /** The implementation on the class path, or null when there is none (or its cluster's libraries are missing). */
    static ClusterTrainer find() {
        try {
            return ServiceLoader.load(ClusterTrainer.class).findFirst().orElse(null);
        } catch (ServiceConfigurationError | LinkageError e) {
            return null;
        }
    }
}
