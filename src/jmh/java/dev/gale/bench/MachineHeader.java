package dev.gale.bench;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Prints, as one JSON object, what scripts/bench puts above its table: the CPU model, what the CPU
 * backend chose for this machine (vector width, micro-tile, cache sizes), and the measured FMA peak
 * at the width the JIT uses: one thread, and every thread in {@code args} at once. A GEMM row's
 * share of that peak says how far its kernel is from the machine's limit, whatever the machine.
 */
public final class MachineHeader {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Long enough for the JIT to compile the loop and for the clock to settle. */
    private static final long ROUND_NANOS = 200_000_000L;

    private MachineHeader() {
    }

    /** {@code args}: the thread counts to measure the peak at, e.g. {@code 1 2}. */
    public static void main(String[] args) throws InterruptedException {
        StringBuilder peaks = new StringBuilder();
        for (String count : args) {
            int threads = Integer.parseInt(count);
            peaks.append(peaks.isEmpty() ? "" : ", ").append('"').append(threads).append("\": ")
                    .append(String.format(Locale.ROOT, "%.1f", peak(threads)));
        }
        try (Backend cpu = Backends.open("cpu", 1)) {
            System.out.println("{\"cpu\": \"" + json(cpuModel()) + "\", \"backend\": \"" + json(cpu.description())
                    + "\", \"vectorBits\": " + F.vectorBitSize() + ", \"peak\": {" + peaks + "}}");
        }
    }

    private static String json(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * The CPU model as Linux reports it, with its family and model numbers (a virtual machine may
     * name only the vendor), or the architecture elsewhere.
     */
    private static String cpuModel() {
        List<String> first;
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            first = lines.takeWhile(line -> !line.isBlank()).toList();
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
        String name = field(first, "model name");
        String family = field(first, "cpu family");
        String model = field(first, "model");
        return name.isEmpty() ? System.getProperty("os.arch")
                : family.isEmpty() ? name : name + " (family " + family + ", model " + model + ")";
    }

    private static String field(List<String> lines, String name) {
        return lines.stream().filter(line -> line.matches(name + "\\s*:.*")).findFirst()
                .map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("");
    }

    /** GFLOP/s of {@code threads} threads running {@link #fmaLoop} at once, the best of five rounds. */
    private static double peak(int threads) throws InterruptedException {
        double best = 0;
        for (int round = 0; round < 5; round++) {
            CountDownLatch start = new CountDownLatch(1);
            long[] flops = new long[threads];
            long[] nanos = new long[threads];
            List<Thread> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                running.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    long begin = System.nanoTime();
                    long iterations = 0;
                    float sink = 0;
                    while (System.nanoTime() - begin < ROUND_NANOS) {
                        sink += fmaLoop(1 << 16);
                        iterations += 1 << 16;
                    }
                    nanos[thread] = System.nanoTime() - begin;
                    // Twelve vectors of fused multiply-adds per iteration, two flops per lane; the
                    // sink keeps the JIT from dropping the loop.
                    flops[thread] = iterations * 12 * 2 * F.length() + (sink == 42 ? 1 : 0);
                }));
            }
            start.countDown();
            for (Thread thread : running) {
                thread.join();
            }
            double total = 0;
            for (int t = 0; t < threads; t++) {
                total += (double) flops[t] / nanos[t];
            }
            best = Math.max(best, total);
        }
        return best;
    }

    /**
     * Twelve independent chains of fused multiply-adds: enough to cover the FMA latency (4 or 5
     * cycles) on two FMA units, so the loop runs at the units' throughput.
     */
    private static float fmaLoop(int iterations) {
        FloatVector x = FloatVector.broadcast(F, 1.0000001f);
        FloatVector y = FloatVector.broadcast(F, 0.9999999f);
        FloatVector c0 = FloatVector.zero(F);
        FloatVector c1 = c0;
        FloatVector c2 = c0;
        FloatVector c3 = c0;
        FloatVector c4 = c0;
        FloatVector c5 = c0;
        FloatVector c6 = c0;
        FloatVector c7 = c0;
        FloatVector c8 = c0;
        FloatVector c9 = c0;
        FloatVector c10 = c0;
        FloatVector c11 = c0;
        for (int i = 0; i < iterations; i++) {
            c0 = x.fma(y, c0);
            c1 = x.fma(y, c1);
            c2 = x.fma(y, c2);
            c3 = x.fma(y, c3);
            c4 = x.fma(y, c4);
            c5 = x.fma(y, c5);
            c6 = x.fma(y, c6);
            c7 = x.fma(y, c7);
            c8 = x.fma(y, c8);
            c9 = x.fma(y, c9);
            c10 = x.fma(y, c10);
            c11 = x.fma(y, c11);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .lane(0);
    }
}
