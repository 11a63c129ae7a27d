package dev.gale.compute.tornado;

import dev.gale.compute.Backends;
import dev.gale.compute.DeviceDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import uk.ac.manchester.tornado.api.TornadoBackend;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * TornadoVM's devices as Gale names them: {@code tornado:B:D} is device D of TornadoVM backend B
 * (B may also be the backend's name, e.g. {@code opencl} or {@code ptx}). Options follow a comma:
 * {@code gemm=parallel} for the plain GEMM kernel instead of the tiled one, {@code tile=N} for the
 * edge of the tiles of C that one work-group computes, with (N / 4) x (N / 4) work-items.
 */
final class Devices {

    /** Work-groups of 16 x 16 work-items, a size every OpenCL and PTX driver accepts. */
    static final int DEFAULT_TILE = 64;
    /** 32 x 32 work-items, the most NVIDIA allows (and some NVIDIA OpenCL drivers reject). */
    private static final int LARGEST_TILE = 128;

    private Devices() {
    }

    static List<DeviceDescription> list() {
        List<DeviceDescription> devices = new ArrayList<>();
        TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
        for (int b = 0; b < runtime.getNumBackends(); b++) {
            TornadoBackend backend = runtime.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                String spec = "tornado:" + b + ":" + d;
                String what = describe(backend, backend.getDevice(d));
                devices.add(new DeviceDescription(spec, what + ", tiled GEMM (" + DEFAULT_TILE + "x" + DEFAULT_TILE + ")"));
                devices.add(new DeviceDescription(spec + ",gemm=parallel", what + ", @Parallel GEMM"));
            }
        }
        return devices;
    }

    /** Opens {@code spec} (the part after {@code tornado:}); empty means the best device, GPUs first. */
    static TornadoVmBackend open(String spec) {
        String[] parts = spec.split(",");
        boolean tiled = true;
        int tile = DEFAULT_TILE;
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i].trim();
            if (option.equals("gemm=parallel")) {
                tiled = false;
            } else if (option.equals("gemm=tiled")) {
                tiled = true;
            } else if (option.startsWith("tile=")) {
                tile = tile(option.substring(5));
            } else {
                throw new IllegalArgumentException("unknown TornadoVM option '" + option
                        + "'; use gemm=parallel, gemm=tiled or tile=N");
            }
        }
        TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
        int[] chosen = parts[0].isBlank() ? best(runtime) : named(runtime, parts[0].trim());
        TornadoBackend backend = runtime.getBackend(chosen[0]);
        TornadoDevice device = backend.getDevice(chosen[1]);
        String description = "tornado:" + chosen[0] + ":" + chosen[1] + " (" + describe(backend, device) + ", "
                + (tiled ? "tiled GEMM " + tile + "x" + tile : "@Parallel GEMM") + ")";
        return new TornadoVmBackend(device, description, new GraphBuilder.GemmKernel(tiled, tile));
    }

    private static int tile(String value) {
        int tile;
        try {
            tile = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            tile = -1;
        }
        if (tile < Kernels.WORK_PER_ITEM || tile > LARGEST_TILE || tile % Kernels.WORK_PER_ITEM != 0) {
            throw new IllegalArgumentException("tile=" + value + ": the tile edge must be a multiple of "
                    + Kernels.WORK_PER_ITEM + " from " + Kernels.WORK_PER_ITEM + " to " + LARGEST_TILE);
        }
        return tile;
    }

    private static int[] best(TornadoRuntime runtime) {
        int[] found = null;
        int foundRank = Integer.MAX_VALUE;
        for (int b = 0; b < runtime.getNumBackends(); b++) {
            TornadoBackend backend = runtime.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                int rank = rank(backend.getDevice(d).getDeviceType());
                if (rank < foundRank) {
                    found = new int[] {b, d};
                    foundRank = rank;
                }
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("TornadoVM found no device: check its drivers with `tornado --devices`");
        }
        return found;
    }

    private static int rank(TornadoDeviceType type) {
        return switch (type) {
            case GPU -> 0;
            case ACCELERATOR -> 1;
            case CPU -> 2;
            default -> 3;
        };
    }

    private static int[] named(TornadoRuntime runtime, String spec) {
        String[] parts = spec.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("a TornadoVM device is tornado:BACKEND:DEVICE, e.g. tornado:0:0 or"
                    + " tornado:ptx:0; got tornado:" + spec);
        }
        int backend = backendIndex(runtime, parts[0]);
        int device;
        try {
            device = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + parts[1] + "' is not a number in tornado:" + spec);
        }
        if (device < 0 || device >= runtime.getBackend(backend).getNumDevices()) {
            throw new IllegalArgumentException("TornadoVM backend " + backend + " has no device " + device
                    + "; present: " + Backends.devices().stream().map(DeviceDescription::spec).toList());
        }
        return new int[] {backend, device};
    }

    private static int backendIndex(TornadoRuntime runtime, String name) {
        for (int b = 0; b < runtime.getNumBackends(); b++) {
            String backendName = runtime.getBackend(b).getBackendType().name().toLowerCase(Locale.ROOT);
            if (name.equals(Integer.toString(b)) || backendName.startsWith(name.toLowerCase(Locale.ROOT))) {
                return b;
            }
        }
        throw new IllegalArgumentException("TornadoVM has no backend '" + name + "'; present: "
                + Backends.devices().stream().map(DeviceDescription::spec).toList());
    }

    private static String describe(TornadoBackend backend, TornadoDevice device) {
        return backend.getBackendType().name().toLowerCase(Locale.ROOT).replace("_", " ") + " "
                + device.getPhysicalDevice().getDeviceName().trim()
                + " (" + device.getDeviceType().name().toLowerCase(Locale.ROOT) + ")";
    }
}
