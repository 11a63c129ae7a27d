package dev.gale.compute;

/**
 * The workers of a data-parallel run, each holding the same parameters and its own share of every
 * mini-batch: {@link Op.AllReduce} sums their gradients through it, so that the same update runs
 * everywhere. A run on one machine has one worker and its plans leave the op out.
 */
public interface Collective {

    /** The collective of a run on one machine: nothing to exchange. */
    Collective ONE_WORKER = new Collective() {
        @Override
        public int workers() {
            return 1;
        }

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public float allReduce(float[] values, int offset, int count, float scalar) {
            return scalar;
        }
    };

    /** How many workers take part. */
    int workers();

    /** This worker's number, 0 to {@code workers() - 1}; worker 0 writes what the run writes once. */
    int rank();

    /**
     * Replaces {@code values[offset, offset + count)} with its element-wise sum over every worker and
     * returns the sum of every worker's {@code scalar}. The summation order is fixed, so that every
     * worker ends with the same bits and a run repeats them. A worker that does not answer makes this
     * throw rather than wait forever.
     */
    float allReduce(float[] values, int offset, int count, float scalar);
}
