package dev.gale.train;

import dev.gale.compute.Backend;
import dev.gale.compute.CompiledPlan;
import dev.gale.data.Dataset;
import dev.gale.nn.Network;

/**
 * Compares back-propagation with central differences of the cost, both on one backend, over every
 * parameter of a (small) network: the test that the gradient the planner assembles from kernels is
 * the derivative of the cost it assembles. On the float64 reference ({@code Backends.open("reference",
 * 0)}) the two agree to about 1e-8; a float32 backend's rounding shows at about 1e-3.
 */
public final class GradientCheck {

    /** {@code relativeDifference} = |numeric - analytic| / |numeric + analytic| over all parameters. */
    public record Result(double relativeDifference, double maxAbsoluteDifference, int parameters) {
    }

    private GradientCheck() {
    }

    /** Checks the gradient of {@code network}'s cost on {@code data} with step {@code epsilon} on {@code backend}. */
    public static Result run(Backend backend, Network network, Dataset data, double epsilon) {
        network.requireFits(data.inputs(), data.outputs(), "the gradient check's data");
        ResidentNetwork r = ResidentNetwork.forTraining(backend, network, data.rows(), 0, 0);
        backend.write(r.input, data.features());
        backend.write(r.target, data.targets());
        CompiledPlan gradientPlan = backend.compile(StepPlanner.gradient(r, data.rows()));
        CompiledPlan costPlan = backend.compile(StepPlanner.cost(r, data.rows()));
        gradientPlan.run();
        double[] cost = new double[1];
        double diffSquares = 0;
        double sumSquares = 0;
        double maxDifference = 0;
        int count = 0;
        for (ResidentNetwork.Parameter p : r.parameters) {
            double[] analytic = new double[p.count()];
            backend.readDoubles(p.gradient(), analytic);
            double[] theta = new double[p.count()];
            backend.readDoubles(p.value(), theta);
            for (int i = 0; i < theta.length; i++) {
                double saved = theta[i];
                theta[i] = saved + epsilon;
                double plus = costAt(backend, r, costPlan, p, theta, cost);
                theta[i] = saved - epsilon;
                double minus = costAt(backend, r, costPlan, p, theta, cost);
                theta[i] = saved;
                double numeric = (plus - minus) / (2 * epsilon);
                diffSquares += (numeric - analytic[i]) * (numeric - analytic[i]);
                sumSquares += (numeric + analytic[i]) * (numeric + analytic[i]);
                maxDifference = Math.max(maxDifference, Math.abs(numeric - analytic[i]));
                count++;
            }
            backend.writeDoubles(p.value(), theta);
        }
        double relative = sumSquares == 0 ? Math.sqrt(diffSquares) : Math.sqrt(diffSquares / sumSquares);
        return new Result(relative, maxDifference, count);
    }

    private static double costAt(Backend backend, ResidentNetwork r, CompiledPlan plan,
                                 ResidentNetwork.Parameter p, double[] theta, double[] cost) {
        backend.writeDoubles(p.value(), theta);
        plan.run();
        backend.readDoubles(r.loss, cost);
        return cost[0];
    }
}
