package dev.gale.compute.tornado;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.StepPlan;
import java.util.ArrayList;
import java.util.List;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

/**
 * Gale's ops as TornadoVM task graphs on one OpenCL or PTX device. Each compiled plan is a
 * {@link DevicePlan}; buffers keep track of which plan's device copy is newest, so weights and
 * optimizer state stay on the device across steps and cross to the host only when read or written.
 */
final class TornadoVmBackend implements Backend {

    private final TornadoDevice device;
    private final String description;
    private final GraphBuilder.GemmKernel gemm;
    private final List<DevicePlan> plans = new ArrayList<>();

    TornadoVmBackend(TornadoDevice device, String description, GraphBuilder.GemmKernel gemm) {
        this.device = device;
        this.description = description;
        this.gemm = gemm;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public Buffer allocate(int length) {
        return new TornadoBuffer(length);
    }

    @Override
    public void write(Buffer target, float[] source) {
        TornadoBuffer buffer = own(target);
        if (source.length < buffer.length()) {
            buffer.pullToHost(); // the rest of the whole buffer keeps its newest values
        }
        int offset = target.offset();
        for (int i = 0; i < source.length; i++) {
            buffer.array.set(offset + i, source[i]);
        }
        buffer.hostChanged();
    }

    @Override
    public void read(Buffer source, float[] target) {
        TornadoBuffer buffer = own(source);
        buffer.pullToHost();
        int offset = source.offset();
        for (int i = 0; i < target.length; i++) {
            target[i] = buffer.array.get(offset + i);
        }
    }

    @Override
    public CompiledPlan compile(StepPlan plan) {
        DevicePlan compiled = GraphBuilder.build(plan, device, this::own, gemm);
        plans.add(compiled);
        return compiled;
    }

    @Override
    public void close() {
        plans.forEach(DevicePlan::close);
        plans.clear();
    }

    private TornadoBuffer own(Buffer buffer) {
        return Backend.own(buffer, TornadoBuffer.class, this);
    }
}
