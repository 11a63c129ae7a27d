package dev.gale.train;

import dev.gale.compute.CompiledPlan;

/**
 * The resident network's parameters as one vector, and its cost and gradient as a function of that
 * vector: what a host-side minimiser such as conjugate gradient works with.
 */
final class FlatParameters {

    private final ResidentNetwork r;
    private final CompiledPlan gradientPlan;
    private final float[] loss = new float[1];
    private final float[][] gradients;

    FlatParameters(ResidentNetwork r, CompiledPlan gradientPlan) {
        this.r = r;
        this.gradientPlan = gradientPlan;
        this.gradients = new float[r.parameters.size()][];
        for (int i = 0; i < gradients.length; i++) {
            gradients[i] = new float[r.parameters.get(i).count()];
        }
    }

    int size() {
        int size = 0;
        for (ResidentNetwork.Parameter p : r.parameters) {
            size += p.count();
        }
        return size;
    }

    /** The host network's parameters. */
    double[] read() {
        double[] x = new double[size()];
        int offset = 0;
        for (ResidentNetwork.Parameter p : r.parameters) {
            for (float v : p.host()) {
                x[offset++] = v;
            }
        }
        return x;
    }

    /** Sets the parameters to {@code x}, and returns the cost there with its gradient in {@code gradient}. */
    double cost(double[] x, double[] gradient) {
        int offset = 0;
        for (ResidentNetwork.Parameter p : r.parameters) {
            float[] host = p.host();
            for (int i = 0; i < host.length; i++) {
                host[i] = (float) x[offset++];
            }
        }
        r.upload();
        gradientPlan.run();
        r.backend.read(r.loss, loss);
        offset = 0;
        for (int i = 0; i < gradients.length; i++) {
            r.backend.read(r.parameters.get(i).gradient(), gradients[i]);
            for (float g : gradients[i]) {
                gradient[offset++] = g;
            }
        }
        return loss[0];
    }
}
