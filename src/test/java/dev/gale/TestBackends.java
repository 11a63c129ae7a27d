package dev.gale;

import dev.gale.compute.Backend;
import dev.gale.compute.reference.ReferenceBackend;

/** The backend that model and training tests run on. */
public final class TestBackends {

    private TestBackends() {
    }

    public static Backend cpu() {
        return new ReferenceBackend();
    }
}
