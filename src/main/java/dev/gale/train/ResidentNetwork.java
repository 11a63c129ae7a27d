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
 */
final class ResidentNetwork {

    /** One parameter tensor with its gradient and optimizer state; {@code penalised} for weights, not biases. */
    record Parameter(Buffer value, Buffer gradient, Buffer[] state, float[] host, boolean penalised) {
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
    final Buffer[] weights;
    final Buffer[] biases;
    /** Pre-activations [maxRows, linearUnits] per layer, bias included. */
    final Buffer[] z;
    /** Activations [maxRows, units] per layer. */
    final Buffer[] a;
    /** dJ/dz per layer (training only). */
    final Buffer[] deltaZ;
    /** dJ/da for hidden maxout layers, whose a and z differ in width (training only). */
    final Buffer[] deltaA;
    final Buffer[] weightGradients;
    final Buffer[] biasGradients;
    final List<Parameter> parameters;

    private ResidentNetwork(Backend backend, Network network, int maxRows, boolean training, int stateBuffers) {
        if (maxRows <= 0) {
            throw new IllegalArgumentException("batch rows must be positive, got " + maxRows);
        }
        this.backend = backend;
        this.network = network;
        this.maxRows = maxRows;
        int layers = network.layers().size();
        input = backend.allocate(maxRows * network.inputs());
        target = backend.allocate(maxRows * network.outputs());
        loss = backend.allocate(1);
        scalars = backend.allocate(StepScalars.LENGTH);
        weights = new Buffer[layers];
        biases = new Buffer[layers];
        z = new Buffer[layers];
        a = new Buffer[layers];
        deltaZ = new Buffer[layers];
        deltaA = new Buffer[layers];
        weightGradients = new Buffer[layers];
        biasGradients = new Buffer[layers];
        List<Parameter> parameters = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            Layer layer = network.layers().get(l);
            weights[l] = backend.allocate(network.weights(l).length);
            biases[l] = backend.allocate(network.bias(l).length);
            z[l] = backend.allocate(maxRows * layer.linearUnits());
            a[l] = backend.allocate(maxRows * layer.units());
            if (training) {
                deltaZ[l] = backend.allocate(maxRows * layer.linearUnits());
                if (layer instanceof Layer.Maxout && l < layers - 1) {
                    deltaA[l] = backend.allocate(maxRows * layer.units());
                }
                weightGradients[l] = backend.allocate(network.weights(l).length);
                biasGradients[l] = backend.allocate(network.bias(l).length);
            }
            parameters.add(new Parameter(weights[l], weightGradients[l],
                    state(stateBuffers, network.weights(l).length), network.weights(l), true));
            parameters.add(new Parameter(biases[l], biasGradients[l],
                    state(stateBuffers, network.bias(l).length), network.bias(l), false));
        }
        this.parameters = List.copyOf(parameters);
        upload();
    }

    /** Parameters and activations only: for prediction and evaluation. */
    static ResidentNetwork forInference(Backend backend, Network network, int maxRows) {
        return new ResidentNetwork(backend, network, maxRows, false, 0);
    }

    /** Everything a training step needs, with {@code stateBuffers} zeroed state tensors per parameter. */
    static ResidentNetwork forTraining(Backend backend, Network network, int maxRows, int stateBuffers) {
        return new ResidentNetwork(backend, network, maxRows, true, stateBuffers);
    }

    private Buffer[] state(int count, int length) {
        Buffer[] state = new Buffer[count];
        for (int i = 0; i < count; i++) {
            state[i] = backend.allocate(length);
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

    /** The input of layer l: the batch for layer 0, else the previous activations. */
    Buffer layerInput(int layer) {
        return layer == 0 ? input : a[layer - 1];
    }
}
