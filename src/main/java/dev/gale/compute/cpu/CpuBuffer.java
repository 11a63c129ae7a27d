package dev.gale.compute.cpu;

import dev.gale.compute.Buffer;

/** A buffer of the CPU backend: a plain float array that kernels index directly. */
final class CpuBuffer implements Buffer {
    final float[] data;

    CpuBuffer(int length) {
        data = new float[length];
    }

    @Override
    public int length() {
        return data.length;
    }

    @Override
    public String toString() {
        return "cpu buffer of " + data.length + " floats";
    }
}
