package dev.gale.compute.tornado;

import dev.gale.compute.Backend;
import dev.gale.compute.Buffer;
import dev.gale.compute.CompiledPlan;
import dev.gale.compute.Op;
import dev.gale.compute.StepPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
        for (int i = 0; i < plan.ops().size(); i++) {
            if (plan.ops().get(i) instanceof Op.AllReduce exchange) {
                return exchangeOnTheHost(plan, i, exchange);
            }
        }
        DevicePlan compiled = GraphBuilder.build(plan, device, this::own, gemm);
        plans.add(compiled);
        return compiled;
    }

    /**
     * A plan with a gradient exchange runs as the device plan of the ops before it, the exchange on
     * the host (the collective is host code: sockets), and the device plan of the ops after it. The
     * gradient and the cost stream out of the first plan and into the second; the parameters move
     * between the two plans' device copies as any buffer two plans share does.
     */
    private CompiledPlan exchangeOnTheHost(StepPlan plan, int at, Op.AllReduce exchange) {
        List<Buffer> crossing = List.of(exchange.gradient(), exchange.loss());
        List<Op> before = plan.ops().subList(0, at);
        List<Op> after = plan.ops().subList(at + 1, plan.ops().size());
        CompiledPlan first = before.isEmpty() ? null
                : compile(part(plan.name() + " before the exchange", before, plan.inputs(), crossing));
        CompiledPlan second = after.isEmpty() ? null
                : compile(part(plan.name() + " after the exchange", after, crossing, plan.outputs()));
        float[] values = new float[exchange.count()];
        float[] cost = new float[1];
        return new CompiledPlan() {
            @Override
            public void run() {
                if (first != null) {
                    first.run();
                }
                read(exchange.gradient(), values);
                read(exchange.loss(), cost);
                cost[0] = exchange.collective().allReduce(values, 0, values.length, exchange.lossShare() * cost[0]);
                write(exchange.gradient(), values);
                write(exchange.loss(), cost);
                if (second != null) {
                    second.run();
                }
            }

            @Override
            public List<String> gemmKernels() {
                List<String> both = new ArrayList<>(first == null ? List.of() : first.gemmKernels());
                both.addAll(second == null ? List.of() : second.gemmKernels());
                return both;
            }

            @Override
            public Traffic traffic() {
                Traffic one = first == null ? new Traffic(0, 0, 0) : first.traffic();
                Traffic two = second == null ? new Traffic(0, 0, 0) : second.traffic();
                return new Traffic(one.launches() + two.launches(), one.bytesIn() + two.bytesIn(),
                        one.bytesOut() + two.bytesOut());
            }
        };
    }

    /** Ops of a split plan, with the buffers among {@code inputs} and {@code outputs} that they use. */
    private static StepPlan part(String name, List<Op> ops, List<Buffer> inputs, List<Buffer> outputs) {
        Set<Buffer> used = new StepPlan(name, ops).buffers();
        List<Buffer> written = ops.stream().flatMap(op -> op.writes().stream()).toList();
        return new StepPlan(name, ops, inputs.stream().filter(used::contains).toList(),
                outputs.stream().filter(written::contains).toList());
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
