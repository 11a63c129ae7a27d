package dev.gale;

import dev.gale.compute.Backend;
import dev.gale.compute.Backends;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Base of the model and training tests: one CPU backend (all cores) per test class. */
public abstract class OnCpuBackend {

    protected static Backend backend;

    @BeforeAll
    static void openBackend() {
        backend = Backends.open("cpu", 0);
    }

    @AfterAll
    static void closeBackend() {
        backend.close();
    }
}
