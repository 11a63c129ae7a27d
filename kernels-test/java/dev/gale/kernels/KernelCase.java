package dev.gale.kernels;

import dev.gale.compute.Backend;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import dev.gale.compute.reference.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/** One row of the table on one shape, with the seed its operands are drawn from. */
record KernelCase(KernelTable.Row row, KernelTable.Shape shape, long seed) {

    /** The suite's seed: {@code -Dgale.kernels.seed=N} reruns the suite on other random inputs. */
    static final long SUITE_SEED = Long.getLong("gale.kernels.seed", 20_251_124L);

    /** One output of a run, widened to double, with the bound it is held to. */
    record Result(String output, double[] values, Tolerance tolerance) {
    }

    /** How far one output is from the reference; {@code boundUse} is the largest error / bound. */
    record Errors(int violations, double maxAbs, double relativeL2, double boundUse, String firstViolation) {
    }

    static List<KernelCase> all() {
        List<KernelCase> cases = new ArrayList<>();
        for (KernelTable.Row row : KernelTable.rows(SUITE_SEED)) {
            for (KernelTable.Shape shape : row.shapes()) {
                String name = row.op() + " " + shape.label();
                cases.add(new KernelCase(row, shape, new SplittableRandom(SUITE_SEED ^ name.hashCode()).nextLong()));
            }
        }
        return cases;
    }

    String name() {
        return row.op() + " " + shape.label();
    }

    /** Where to start when this case fails. */
    String replay() {
        return "case '" + name() + "', operand seed " + seed + " (suite: -Dgale.kernels.seed=" + SUITE_SEED + ")";
    }

    /**
     * Floats of sentinels around each slice in {@link #runOnSlices}: odd, so that no slice begins on
     * a vector boundary.
     */
    static final int GUARD = 37;

    /** Draws the operands on {@code backend}, runs the op once and reads back every output. */
    List<Result> run(Backend backend) {
        return run(new Operands(backend, new Random(seed), 0), backend);
    }

    /**
     * As {@link #run}, with every buffer a slice of a larger one (the same operand values): fails
     * when the op wrote outside its slices.
     */
    List<Result> runOnSlices(Backend backend) {
        Operands in = new Operands(backend, new Random(seed), GUARD);
        List<Result> results = run(in, backend);
        List<String> trespasses = in.trespasses();
        if (!trespasses.isEmpty()) {
            throw new AssertionError(backend.description() + ", " + replay() + ", on slices: the op wrote outside them: "
                    + trespasses.size() + " floats, first " + trespasses.getFirst());
        }
        return results;
    }

    private List<Result> run(Operands in, Backend backend) {
        Op op = row.builder().build(shape.dims(), in);
        backend.compile(new StepPlan(name(), List.of(op))).run();
        List<Result> results = new ArrayList<>();
        for (Operands.Output output : in.outputs()) {
            results.add(new Result(output.name(), read(backend, output), output.tolerance()));
        }
        return results;
    }

    private static double[] read(Backend backend, Operands.Output output) {
        double[] values = new double[output.length()];
        if (backend instanceof ReferenceBackend reference) {
            reference.readDoubles(output.buffer(), values);
            return values;
        }
        float[] floats = new float[output.length()];
        backend.read(output.buffer(), floats);
        for (int i = 0; i < floats.length; i++) {
            values[i] = floats[i];
        }
        return values;
    }

    /** How far {@code got} is from the reference {@code want}, against the output's own bound. */
    static Errors compare(Result got, Result want) {
        return compare(got, want, want, 1);
    }

    /**
     * How far {@code got} is from {@code other}, a second float32 backend's result: each is within the
     * bound of the reference, so they are within twice that bound of each other.
     */
    static Errors compareWithin(Result got, Result other, Result reference) {
        return compare(got, other, reference, 2);
    }

    private static Errors compare(Result got, Result want, Result reference, double boundScale) {
        Tolerance tolerance = reference.tolerance();
        int violations = 0;
        double maxAbs = 0;
        double errorSquares = 0;
        double wantSquares = 0;
        double boundUse = 0;
        String first = null;
        for (int i = 0; i < want.values().length; i++) {
            double d = got.values()[i];
            double w = want.values()[i];
            double error = Math.abs(d - w);
            double bound = boundScale * tolerance.bound(reference.values()[i]);
            // Written so that NaN, e.g. an output element the backend never wrote, is never admitted.
            if (!(error <= bound)) {
                violations++;
                if (first == null) {
                    first = "[" + i + "] got " + d + ", want " + w + ", bound " + bound;
                }
            }
            maxAbs = Math.max(maxAbs, error);
            errorSquares += error * error;
            wantSquares += w * w;
            boundUse = Math.max(boundUse, error == 0 ? 0 : error / bound);
        }
        double relativeL2 = wantSquares == 0 ? Math.sqrt(errorSquares) : Math.sqrt(errorSquares / wantSquares);
        return new Errors(violations, maxAbs, relativeL2, boundUse, first);
    }
}
