package dev.gale.bench;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Prints, as one JSON object, what scripts/bench puts above its table: the CPU model, what the CPU
 * backend chose for this machine (vector width, micro-tile, cache sizes), whether the heap is on huge
 * pages, and the measured FMA peak at the width the JIT uses: one thread, and every thread in
 * {@code args} at once. A GEMM row's share of that peak says how far its kernel is from the
 * machine's limit, whatever the machine.
 */
public final class MachineHeader {

    private MachineHeader() {
    }

    /** {@code args}: the thread counts to measure the peak at, e.g. {@code 1 2}. */
    public static void main(String[] args) throws InterruptedException {
        StringBuilder peaks = new StringBuilder();
        for (String count : args) {
            int threads = Integer.parseInt(count);
            peaks.append(peaks.isEmpty() ? "" : ", ").append('"').append(threads).append("\": ")
                    .append(String.format(Locale.ROOT, "%.1f", FmaPeak.gflops(threads)));
        }
        try (Backend cpu = Backends.open("cpu", 1)) {
            System.out.println("{\"cpu\": \"" + json(cpuModel()) + "\", \"backend\": \"" + json(cpu.description())
                    + "\", \"vectorBits\": " + FmaPeak.vectorBits() + ", \"hugePages\": " + hugePages()
                    + ", \"peak\": {" + peaks + "}}");
        }
    }

    /**
     * Whether the heap is on transparent huge pages: the JVM turns the flag off where the operating
     * system does not offer them.
     */
    private static boolean hugePages() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return vm != null && Boolean.parseBoolean(vm.getVMOption("UseTransparentHugePages").getValue());
        } catch (IllegalArgumentException e) {
            return false; // a JVM without the option
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
}
