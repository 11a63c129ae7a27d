package dev.gale.train;

import dev.gale.compute.CompiledPlan;
import dev.gale.compute.reference.ReferenceBackend;
import dev.gale.data.Dataset;
import dev.gale.nn.Network;

/**
 * Compares back-propagation with central differences of the cost, both in float64 on the reference
 * backend, over every parameter of a (small) network: the test that the gradient the planner
 * assembles from kernels is the derivative of the cost it assembles.
 */
public final class GradientCheck {

    /** {@code relativeDifference} = |numeric - analytic| / |numeric + analytic| over all parameters. */
    public record Result(double relativeDifference, double maxAbsoluteDifference, int parameters) {
    }

    private GradientCheck() {
    }

    /** Checks the gradient of {@code network}'s cost on {@code data} with step {@code epsilon}. */
    public static Result run(Network network, Dataset data, double epsilon) {
        if (data.inputs() != network.inputs() || data.outputs() != network.outputs()) {
            throw new IllegalArgumentException("gradient check data does not fit the network " + network);
        }
        try (ReferenceBackend reference = new ReferenceBackend()) {
            ResidentNetwork r = ResidentNetwork.forTraining(reference, network, data.rows(), 0);
            reference.write(r.input, data.features());
            reference.write(r.target, data.targets());
            CompiledPlan gradientPlan = reference.compile(StepPlanner.gradient(r, data.rows()));
            CompiledPlan costPlan = reference.compile(StepPlanner.cost(r, data.rows()));
            gradientPlan.run();
            double[] cost = new double[1];
            double diffSquares = 0;
            double sumSquares = 0;
            double maxDifference = 0;
            int count = 0;
            for (ResidentNetwork.Parameter p : r.parameters) {
                double[] analytic = new double[p.count()];
                reference.readDoubles(p.gradient(), analytic);
                double[] theta = new double[p.count()];
                reference.readDoubles(p.value(), theta);
                for (int i = 0; i < theta.length; i++) {
                    double saved = theta[i];
                    theta[i] = saved + epsilon;
                    double plus = costAt(reference, r, costPlan, p, theta, cost);
                    theta[i] = saved - epsilon;
                    double minus = costAt(reference, r, costPlan, p, theta, cost);
                    theta[i] = saved;
                    double numeric = (plus - minus) / (2 * epsilon);
                    diffSquares += (numeric - analytic[i]) * (numeric - analytic[i]);
                    sumSquares += (numeric + analytic[i]) * (numeric + analytic[i]);
                    maxDifference = Math.max(maxDifference, Math.abs(numeric - analytic[i]));
                    count++;
                }
                reference.writeDoubles(p.value(), theta);
            }
            double relative = sumSquares == 0 ? Math.sqrt(diffSquares) : Math.sqrt(diffSquares / sumSquares);
            return new Result(relative, maxDifference, count);
        }
    }

    private static double costAt(ReferenceBackend reference, ResidentNetwork r, CompiledPlan plan,
                                 ResidentNetwork.Parameter p, double[] theta, double[] cost) {
        reference.writeDoubles(p.value(), theta);
        plan.run();
        reference.readDoubles(r.loss, cost);
        return cost[0];
    }
}
