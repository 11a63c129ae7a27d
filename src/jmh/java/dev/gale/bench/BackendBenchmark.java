package dev.gale.bench;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A benchmark of work compiled for one backend, opened through {@link Backends#open} from a spec, so
 * that any backend runs the same benchmarks. The defaults here are for a careful run; scripts/bench
 * runs a shorter one.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public abstract class BackendBenchmark {

    /**
     * A device spec, as {@link Backends#open} takes it, except that options follow a {@code +}
     * rather than a comma ({@code tornado:0:0+gemm=parallel}): JMH splits parameter values at commas.
     */
    @Param("cpu")
    public String backend;

    /** 0: every core. */
    @Param({"1", "0"})
    public int threads;

    private Backend open;

    @Setup
    public void open() {
        open = Backends.open(backend.replace('+', ','), threads);
        compile(open);
    }

    /** Allocates the benchmark's buffers on {@code opened} and compiles what it runs. */
    protected abstract void compile(Backend opened);

    @TearDown
    public void close() {
        open.close();
    }
}
