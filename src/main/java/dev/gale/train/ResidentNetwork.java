package dev.gale.train;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.StepScalars;
import dev.gale.nn.Layer;
import dev.gale.nn.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * A network held by one backend: its parameters, and for up to {@code maxRows} examples at a time
 * the batch, activations and (when training) deltas, gradients and optimizer state. Buffers are
 * allocated once here; step plans only refer to them.
 *
 * <p>Parameters live in one arena buffer: every layer's weights, then every layer's biases, each
 * tensor a slice. Gradients and each optimizer state have an arena of the same layout, so that the
 * update is one op over all of them, the L2 penalty one op over the weights that lead, and a
 * gradient all-reduce one buffer.
 */
final class ResidentNetwork {

    /** One parameter tensor with its gradient and optimizer state, slices of the arenas. */
    record Parameter(Buffer value, Buffer gradient, Buffer[] state, float[] host) {
        int count() {
            return host.length;
        }
    }

    final Backend backend;
    final Network network;
    final int maxRows;
    final Buffer input;
    final Buffer target;
    final Buffer loss;
    final Buffer scalars;
    /** All parameters: weights of layer 0, 1, ..., then biases of layer 0, 1, .... */
    final Buffer parameterArena;
    /** Gradients, laid out as the parameters (training only). */
    final Buffer gradientArena;
    /** Per optimizer state (velocity, or Adam's two moments), laid out as the parameters. */
    final Buffer[] stateArenas;
    /** How many of the arena's leading elements are weights: what L2 and weight decay cover. */
    final int weightCount;
    final Buffer[] weights;
    final Buffer[] biases;
    /** Pre-activations [maxRows, linearUnits] per layer, bias included. */
    final Buffer[] z;
    /** Activations [maxRows, units] per layer. */
    final Buffer[] a;
    /**
     * Per layer with dropout (training only): its activations with the step's mask applied, the next
     * layer's input; null for the others.
     */
    final Buffer[] dropped;
    /** What dropout's masks are drawn from, with the step and the layer. */
    final long dropoutSeed;
    /** dJ/dz per layer (training only). */
    final Buffer[] deltaZ;
    /** dJ/da for hidden maxout layers, whose a and z differ in width (training only). */
    final Buffer[] deltaA;
    final Buffer[] weightGradients;
    final Buffer[] biasGradients;
    final List<Parameter> parameters;

    private ResidentNetwork(Backend backend, Network network, int maxRows, boolean training, int stateBuffers,
                            long dropoutSeed) {
        if (maxRows <= 0) {
            throw new IllegalArgumentException("batch rows must be positive, got " + maxRows);
        }
        this.backend = backend;
        this.network = network;
        this.maxRows = maxRows;
        this.dropoutSeed = dropoutSeed;
        int layers = network.layers().size();
        input = backend.allocate(maxRows * network.inputs());
        target = backend.allocate(maxRows * network.outputs());
        loss = backend.allocate(1);
        scalars = backend.allocate(StepScalars.LENGTH);
        int[] weightAt = new int[layers];
        int[] biasAt = new int[layers];
        int total = 0;
        for (int l = 0; l < layers; l++) {
            weightAt[l] = total;
            total = Math.addExact(total, network.weights(l).length);
        }
        weightCount = total;
        for (int l = 0; l < layers; l++) {
            biasAt[l] = total;
            total = Math.addExact(total, network.bias(l).length);
        }
        parameterArena = backend.allocate(total);
        gradientArena = training ? backend.allocate(total) : null;
        stateArenas = new Buffer[stateBuffers];
        for (int i = 0; i < stateBuffers; i++) {
            stateArenas[i] = backend.allocate(total);
        }
        weights = new Buffer[layers];
        biases = new Buffer[layers];
        z = new Buffer[layers];
        a = new Buffer[layers];
        dropped = new Buffer[layers];
        deltaZ = new Buffer[layers];
        deltaA = new Buffer[layers];
        weightGradients = new Buffer[layers];
        biasGradients = new Buffer[layers];
        List<Parameter> parameters = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            Layer layer = network.layers().get(l);
            int weightLength = network.weights(l).length;
            int biasLength = network.bias(l).length;
            weights[l] = parameterArena.slice(weightAt[l], weightLength);
            biases[l] = parameterArena.slice(biasAt[l], biasLength);
            z[l] = backend.allocate(maxRows * layer.linearUnits());
            a[l] = backend.allocate(maxRows * layer.units());
            if (training) {
                if (network.dropout(l) > 0) {
                    dropped[l] = backend.allocate(maxRows * layer.units());
                }
                deltaZ[l] = backend.allocate(maxRows * layer.linearUnits());
                if (layer instanceof Layer.Maxout && l < layers - 1) {
                    deltaA[l] = backend.allocate(maxRows * layer.units());
                }
                weightGradients[l] = gradientArena.slice(weightAt[l], weightLength);
                biasGradients[l] = gradientArena.slice(biasAt[l], biasLength);
            }
            parameters.add(new Parameter(weights[l], weightGradients[l], states(weightAt[l], weightLength),
                    network.weights(l)));
            parameters.add(new Parameter(biases[l], biasGradients[l], states(biasAt[l], biasLength),
                    network.bias(l)));
        }
        this.parameters = List.copyOf(parameters);
        upload();
    }

    /** Parameters and activations only: for prediction and evaluation, where dropout is the identity. */
    static ResidentNetwork forInference(Backend backend, Network network, int maxRows) {
        return new ResidentNetwork(backend, network, maxRows, false, 0, 0);
    }

    /**
     * Everything a training step needs, with {@code stateBuffers} zeroed state tensors per parameter
     * and dropout's masks drawn from {@code dropoutSeed}.
     */
    static ResidentNetwork forTraining(Backend backend, Network network, int maxRows, int stateBuffers,
                                       long dropoutSeed) {
        return new ResidentNetwork(backend, network, maxRows, true, stateBuffers, dropoutSeed);
    }

    /** One tensor's slices of the state arenas. */
    private Buffer[] states(int offset, int length) {
        Buffer[] state = new Buffer[stateArenas.length];
        for (int i = 0; i < state.length; i++) {
            state[i] = stateArenas[i].slice(offset, length);
        }
        return state;
    }

    /** Copies the host network's parameters to the backend. */
    void upload() {
        for (Parameter p : parameters) {
            backend.write(p.value(), p.host());
        }
    }

    /** Copies the backend's parameters into the host network. */
    void download() {
        for (Parameter p : parameters) {
            backend.read(p.value(), p.host());
        }
    }

    /** The network's outputs [maxRows, outputs]: the last layer's activations. */
    Buffer output() {
        return a[a.length - 1];
    }

    /** Copies of the optimizer's state tensors, parameter by parameter, state by state. */
    float[][] downloadState() {
        List<float[]> state = new ArrayList<>();
        for (Parameter p : parameters) {
            for (Buffer buffer : p.state()) {
                float[] host = new float[p.count()];
                backend.read(buffer, host);
                state.add(host);
            }
        }
        return state.toArray(float[][]::new);
    }

    /** Restores state that {@link #downloadState()} gave for a network of the same shape and optimizer. */
    void uploadState(float[][] state) {
        int i = 0;
        for (Parameter p : parameters) {
            for (Buffer buffer : p.state()) {
                if (i >= state.length || state[i].length != p.count()) {
                    throw new IllegalArgumentException("the saved optimizer state does not fit this network and optimizer");
                }
                backend.write(buffer, state[i++]);
            }
        }
        if (i != state.length) {
            throw new IllegalArgumentException("the saved optimizer state has " + state.length
                    + " tensors; this network and optimizer need " + i);
        }
    }

    /** Width of the input of layer l. */
    int inputsOf(int layer) {
        return network.inputsOf(layer);
    }

    /**
     * The input of layer l: the batch for layer 0, else the previous activations, after dropout when
     * {@code training} (evaluation on a training network reads them as they are).
     */
    Buffer layerInput(int layer, boolean training) {
        if (layer == 0) {
            return input;
        }
        return training && dropped[layer - 1] != null ? dropped[layer - 1] : a[layer - 1];
    }
}
