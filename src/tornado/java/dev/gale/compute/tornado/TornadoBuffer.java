package dev.gale.compute.tornado;

import dev.gale.compute.Buffer;
import java.util.HashSet;
import java.util.Set;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * A float buffer as TornadoVM sees it: an off-heap {@link FloatArray} (the host copy) plus the
 * bookkeeping of its device copies, one per compiled plan that keeps it resident.
 */
final class TornadoBuffer implements Buffer {

    final FloatArray array;
    /** The plan whose device copy is newer than the host copy; null when the host copy is the newest. */
    DevicePlan newest;
    /** Plans whose device copy equals the newest value. */
    final Set<DevicePlan> currentIn = new HashSet<>();

    TornadoBuffer(int length) {
        array = new FloatArray(length);
        array.init(0);
    }

    @Override
    public int length() {
        return array.getSize();
    }

    /** Makes the host copy the newest, copying it back from the device that has it. */
    void pullToHost() {
        if (newest != null) {
            newest.download(this);
            newest = null;
        }
    }

    /** The host copy changed: every device copy is stale. */
    void hostChanged() {
        newest = null;
        if (!currentIn.isEmpty()) {
            currentIn.clear();
        }
    }

    /** {@code plan} wrote its device copy: it alone holds the newest value. */
    void writtenBy(DevicePlan plan) {
        if (newest != plan || currentIn.size() != 1) {
            newest = plan;
            currentIn.clear();
            currentIn.add(plan);
        }
    }

    @Override
    public String toString() {
        return "tornado buffer[" + length() + "]";
    }
}
