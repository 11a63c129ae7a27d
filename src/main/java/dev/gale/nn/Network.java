package dev.gale.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multi-layer perceptron: its architecture, its cost (loss and L2 strength) and its parameters.
 * Parameters are plain float arrays on the host; backends copy them in and out.
 */
public final class Network {

    private final int inputs;
    private final List<Layer> layers;
    private final Loss loss;
    private final double l2;
    private final float[][] weights;
    private final float[][] biases;
    /** Per layer, the fraction of its outputs inverted dropout zeroes in training (0: none). */
    private final float[] dropout;

    private Network(int inputs, List<Layer> layers, Loss loss, double l2, float[] dropout) {
        this.inputs = inputs;
        this.layers = List.copyOf(layers);
        this.loss = loss;
        this.l2 = l2;
        this.dropout = dropout.clone();
        this.weights = new float[layers.size()][];
        this.biases = new float[layers.size()][];
        for (int l = 0; l < layers.size(); l++) {
            weights[l] = new float[layers.get(l).linearUnits() * inputsOf(l)];
            biases[l] = new float[layers.get(l).linearUnits()];
        }
    }

    public static Builder builder(int inputs) {
        return new Builder(inputs);
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return layers.getLast().units();
    }

    public List<Layer> layers() {
        return layers;
    }

    /** Width of layer l's input: the network input for l = 0, else the previous layer's units. */
    public int inputsOf(int layer) {
        return layer == 0 ? inputs : layers.get(layer - 1).units();
    }

    public Layer.Dense outputLayer() {
        return (Layer.Dense) layers.getLast();
    }

    public Loss loss() {
        return loss;
    }

    /** L2 strength lambda of the penalty lambda/(2m) * sum of squared weights, biases excluded. */
    public double l2() {
        return l2;
    }

    /**
     * The dropout rate of layer l's outputs in training: each is zeroed with this probability and
     * the others scaled by 1 / (1 - rate); evaluation, prediction and export use the layer as is.
     */
    public float dropout(int layer) {
        return dropout[layer];
    }

    /** Layer l's weights, [linearUnits, inputsOf(l)] row-major: the live array. */
    public float[] weights(int layer) {
        return weights[layer];
    }

    /** Layer l's biases, [linearUnits]: the live array. */
    public float[] bias(int layer) {
        return biases[layer];
    }

    public long parameterCount() {
        long count = 0;
        for (int l = 0; l < layers.size(); l++) {
            count += weights[l].length + biases[l].length;
        }
        return count;
    }

    /** Same architecture and cost, a copy of the parameters. */
    public Network copy() {
        Network copy = new Network(inputs, layers, loss, l2, dropout);
        copy.copyParametersFrom(this);
        return copy;
    }

    /** Overwrites this network's parameters with those of a network of the same shape. */
    public void copyParametersFrom(Network other) {
        if (!sameShape(other)) {
            throw new IllegalArgumentException("cannot copy parameters between networks of different shapes: "
                    + this + " and " + other);
        }
        for (int l = 0; l < layers.size(); l++) {
            System.arraycopy(other.weights[l], 0, weights[l], 0, weights[l].length);
            System.arraycopy(other.biases[l], 0, biases[l], 0, biases[l].length);
        }
    }

    public boolean sameShape(Network other) {
        return inputs == other.inputs && layers.equals(other.layers);
    }

    /** The first parameter that is NaN or infinite, as {@code layer L weight I}; null when all are finite. */
    public String firstNonFinite() {
        for (int l = 0; l < layers.size(); l++) {
            for (int i = 0; i < weights[l].length; i++) {
                if (!Float.isFinite(weights[l][i])) {
                    return "layer " + l + " weight " + i + " (" + weights[l][i] + ")";
                }
            }
            for (int i = 0; i < biases[l].length; i++) {
                if (!Float.isFinite(biases[l][i])) {
                    return "layer " + l + " bias " + i + " (" + biases[l][i] + ")";
                }
            }
        }
        return null;
    }

    /**
     * Refuses data {@code what} of {@code inputs} features and {@code outputs} targets that this
     * network cannot take: a user mistake, reported before anything runs.
     */
    public void requireFits(int inputs, int outputs, String what) {
        if (inputs != this.inputs || outputs != outputs()) {
            throw new IllegalArgumentException("the model takes " + this.inputs + " inputs and gives " + outputs()
                    + " outputs, but " + what + " has " + inputs + " features and " + outputs
                    + (outputs == 1 ? " target" : " classes"));
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder().append(inputs);
        for (int l = 0; l < layers.size(); l++) {
            text.append(" -> ").append(switch (layers.get(l)) {
                case Layer.Dense d -> d.units() + " " + d.activation();
                case Layer.Maxout m -> m.units() + " maxout(" + m.pieces() + ")";
            });
            if (dropout[l] > 0) {
                text.append(" dropout ").append(dropout[l]);
            }
        }
        text.append(", ").append(loss.label());
        if (l2 > 0) {
            text.append(", l2 ").append(l2);
        }
        return text.toString();
    }

    /** Builds a network and rejects configurations that cannot be trained as asked. */
    public static final class Builder {
        private final int inputs;
        private final List<Layer> layers = new ArrayList<>();
        private final List<Float> dropout = new ArrayList<>();
        private Loss loss;
        private double l2;
        private Initializer initializer = new Initializer.XavierUniform();
        private long seed = 1;

        private Builder(int inputs) {
            this.inputs = inputs;
        }

        public Builder dense(int units, Activation activation) {
            layers.add(new Layer.Dense(units, activation));
            dropout.add(0f);
            return this;
        }

        public Builder maxout(int units, int pieces) {
            layers.add(new Layer.Maxout(units, pieces));
            dropout.add(0f);
            return this;
        }

        /** Inverted dropout at {@code rate} in [0, 1) on the outputs of the layer added last (a hidden one). */
        public Builder dropout(double rate) {
            if (layers.isEmpty()) {
                throw new IllegalArgumentException("dropout applies to the layer added before it; add a layer first");
            }
            dropout.set(dropout.size() - 1, (float) rate);
            return this;
        }

        public Builder loss(Loss loss) {
            this.loss = loss;
            return this;
        }

        /** L2 strength lambda >= 0; bias weights are never penalised. */
        public Builder l2(double lambda) {
            this.l2 = lambda;
            return this;
        }

        /** How weights are drawn; Xavier uniform unless set. */
        public Builder initializer(Initializer initializer) {
            this.initializer = initializer;
            return this;
        }

        /** Seed of the weight initialisation: same seed, same weights. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Network build() {
            validate();
            float[] rates = new float[dropout.size()];
            for (int l = 0; l < rates.length; l++) {
                rates[l] = dropout.get(l);
            }
            Network network = new Network(inputs, layers, loss, l2, rates);
            SplittableRandom random = new SplittableRandom(seed);
            for (int l = 0; l < layers.size(); l++) {
                initializer.fill(network.weights[l], network.inputsOf(l), layers.get(l).linearUnits(), random);
            }
            return network;
        }

        private void validate() {
            require(inputs > 0, "the network needs at least one input, got " + inputs);
            require(!layers.isEmpty(), "the network needs at least one layer");
            require(loss != null, "choose a loss: logistic, softmax cross-entropy or mean squared error");
            require(l2 >= 0 && Double.isFinite(l2), "L2 strength must be a finite number >= 0, got " + l2);
            require(initializer != null, "initializer is null");
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                boolean output = l == layers.size() - 1;
                require(layer.units() > 0, "layer " + l + " needs at least one unit, got " + layer.units());
                float rate = dropout.get(l);
                require(rate >= 0 && rate < 1, "layer " + l + "'s dropout rate must be in [0, 1), got " + rate);
                require(rate == 0 || !output, "dropout is for hidden layers; the output layer has " + rate);
                switch (layer) {
                    case Layer.Maxout m -> {
                        require(m.pieces() >= 2, "maxout layer " + l + " needs at least 2 pieces, got " + m.pieces());
                        require(!output, "the output layer must be dense; maxout is for hidden layers");
                    }
                    case Layer.Dense d -> {
                        require(d.activation() != null, "layer " + l + " has no activation");
                        boolean softmax = d.activation().function() == Activation.Function.SOFTMAX;
                        require(!softmax || output, "softmax is an output activation; hidden layer " + l + " uses it");
                    }
                }
            }
            Activation.Function out = ((Layer.Dense) layers.getLast()).activation().function();
            switch (loss) {
                case SOFTMAX_CROSS_ENTROPY -> require(out == Activation.Function.SOFTMAX,
                        "softmax cross-entropy needs a softmax output layer, got " + out.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                case LOGISTIC -> require(out == Activation.Function.SIGMOID,
                        "the logistic loss needs sigmoid outputs, got " + out.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                case MEAN_SQUARED_ERROR -> require(out != Activation.Function.SOFTMAX,
                        "a softmax output goes with softmax cross-entropy, not mean squared error");
            }
            if (out == Activation.Function.SOFTMAX) {
                require(layers.getLast().units() >= 2, "a softmax output needs at least 2 units");
            }
            requireRoom();
        }

        /**
         * Refuses a network whose parameters cannot be allocated: a layer beyond a Java array's
         * 2^31 - 1 elements, or more float32 parameters than the heap holds. Checked before
         * allocating, so that a typo in a width is one line, not an OutOfMemoryError.
         */
        private void requireRoom() {
            long parameters = 0;
            for (int l = 0; l < layers.size(); l++) {
                Layer layer = layers.get(l);
                long linear = layer instanceof Layer.Maxout m ? (long) m.units() * m.pieces() : layer.units();
                long fanIn = l == 0 ? inputs : layers.get(l - 1).units();
                require(linear * fanIn < Integer.MAX_VALUE, "layer " + l + " would have " + linear * fanIn
                        + " weights, more than a Java array holds (2^31 - 1): use fewer units or pieces");
                parameters += (fanIn + 1) * linear;
            }
            long heap = Runtime.getRuntime().maxMemory();
            require(parameters * Float.BYTES < heap, String.format(java.util.Locale.ROOT, "the network has %,d "
                    + "parameters (%.1f GiB as float32), more than the Java heap's %.1f GiB: use fewer units, or "
                    + "give Java more heap with JAVA_OPTS=-Xmx...", parameters, parameters * 4.0 / (1L << 30),
                    heap / (double) (1L << 30)));
        }

        private static void require(boolean condition, String message) {
            if (!condition) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
