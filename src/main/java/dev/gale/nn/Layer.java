package dev.gale.nn;

/**
 * A fully-connected layer: weights of shape [linearUnits, inputs] (the layout of PyTorch's
 * nn.Linear) and one bias per linear unit.
 */
public sealed interface Layer {

    /** Width of the layer's output. */
    int units();

    /** Rows of the weight matrix: the affine units before the nonlinearity. */
    int linearUnits();

    /** a = g(W x + b). */
    record Dense(int units, Activation activation) implements Layer {
        @Override
        public int linearUnits() {
            return units;
        }
    }

    /**
     * Maxout (Goodfellow et al. 2013): each unit is the maximum of {@code pieces} affine pieces.
     * Weight row {@code u * pieces + p} is piece p of unit u.
     */
    record Maxout(int units, int pieces) implements Layer {
        public Maxout {
            // linearUnits() and every index into the weights are ints.
            if ((long) units * pieces > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a maxout layer of " + units + " units x " + pieces
                        + " pieces has more than " + Integer.MAX_VALUE + " weight rows");
            }
        }

        @Override
        public int linearUnits() {
            return units * pieces;
        }
    }
}
