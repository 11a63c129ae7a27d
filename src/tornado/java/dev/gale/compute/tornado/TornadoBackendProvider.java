package dev.gale.compute.tornado;

import dev.gale.compute.Backend;
import dev.gale.compute.BackendProvider;
import dev.gale.compute.DeviceDescription;
import java.util.List;

/**
 * Finds TornadoVM devices when TornadoVM's runtime is on the module path, and none otherwise: on a
 * plain JVM Gale's CPU backend is all there is, which is not an error. Nothing here touches TornadoVM
 * types until the runtime is known to be present.
 */
public final class TornadoBackendProvider implements BackendProvider {

    private static final String BAILOUT = "tornado.recover.bailout";
    /** The line TornadoVM puts before the reason a kernel failed, when its Java fallback is off. */
    private static final String BAILOUT_DISABLED = "Bailout is disabled.";
    /**
     * TornadoVM encodes a task graph into a fixed-size bytecode buffer, 4 KiB by default: too small for
     * the step plan of a deep network (about 120 bytes a task, a dozen tasks a layer). 64 KiB holds
     * about 40 layers; each graph allocates the whole buffer on the heap, so it is not made larger.
     */
    private static final String BYTECODE_SIZE = "tornado.tvm.maxbytecodesize";
    private static final String GALE_BYTECODE_SIZE = Integer.toString(1 << 16);

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public List<DeviceDescription> devices() {
        if (!runtimePresent()) {
            return List.of();
        }
        configureRuntime();
        try {
            return Devices.list();
        } catch (ExceptionInInitializerError e) {
            throw new IllegalStateException(cannotStart(e));
        }
    }

    @Override
    public Backend open(String device, int threads) {
        if (!runtimePresent()) {
            throw new IllegalArgumentException("TornadoVM is not on this JVM: run Gale through scripts/gale with"
                    + " TORNADO_SDK set to a TornadoVM SDK, or pick --device cpu");
        }
        configureRuntime();
        try {
            return Devices.open(device);
        } catch (ExceptionInInitializerError e) {
            throw new IllegalStateException(cannotStart(e));
        }
    }

    /**
     * TornadoVM's runtime fails in its static initialiser when it finds no device platform (no OpenCL
     * driver, or the loader pointed elsewhere), with a coloured warning as the cause.
     */
    private static String cannotStart(ExceptionInInitializerError e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return "TornadoVM could not start: " + oneLine(cause).replaceFirst("\\.$", "")
                + "; install an OpenCL driver (e.g. pocl-opencl-icd, "
                + "or your GPU's) or pick --device cpu";
    }

    /**
     * The first line of a TornadoVM message that says what went wrong: without its terminal colours, its
     * level tag, its fallback note, and the "Bailout is disabled." that heads every kernel failure when
     * Gale has turned the fallback off.
     */
    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String plain = message.replaceAll("\u001B\\[[0-9;]*m", "").replaceFirst("^\\s*\\[[A-Z]+\\]\\s*", "");
        String first = plain.lines().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.equals(BAILOUT_DISABLED))
                .findFirst().orElse(plain);
        return first.replaceFirst("^Reason:\\s*", "").replace(" Deoptimizing to sequential execution.", "");
    }

    /**
     * Sets TornadoVM's properties before its runtime reads them. TornadoVM's default runs a kernel that
     * failed to compile as plain Java on the host, so a "device" result would be the CPU's: Gale turns
     * that off, and refuses to run with it switched on.
     */
    private static void configureRuntime() {
        if (System.getProperty(BYTECODE_SIZE) == null) {
            System.setProperty(BYTECODE_SIZE, GALE_BYTECODE_SIZE);
        }
        String bailout = System.getProperty(BAILOUT);
        if (bailout == null) {
            System.setProperty(BAILOUT, "False");
        } else if (!bailout.equalsIgnoreCase("False")) {
            throw new IllegalArgumentException("-D" + BAILOUT + "=" + bailout + " would let TornadoVM run kernels"
                    + " that failed to compile on the CPU; Gale needs -D" + BAILOUT + "=False");
        }
    }

    private static boolean runtimePresent() {
        return ModuleLayer.boot().findModule("tornado.runtime").isPresent();
    }
}
