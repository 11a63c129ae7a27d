package dev.gale.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void aWriteRemovesTheTemporaryFilesOfKilledWritersOnly() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        long dead = finished.pid();
        long alive = ProcessHandle.current().pid();
        Path stale = Files.writeString(dir.resolve(".model.safetensors." + dead + ".123.tmp"), "half a model");
        Path running = Files.writeString(dir.resolve(".model.safetensors." + alive + ".456.tmp"), "being written");
        Path otherTarget = Files.writeString(dir.resolve(".model.safetensors.bak." + dead + ".789.tmp"), "another file's");

        List<Path> duringTheWrite = new ArrayList<>();
        AtomicFile.write(dir.resolve("model.safetensors"), out -> {
            duringTheWrite.addAll(temporaries(alive));
            out.write(1);
        });

        assertEquals(2, duringTheWrite.size(), "the write's own temporary file carries its pid: " + duringTheWrite);

        assertFalse(Files.exists(stale), "a killed writer's temporary file is removed");
        assertTrue(Files.exists(running), "a running writer's temporary file is kept");
        assertTrue(Files.exists(otherTarget), "another target's temporary file is its own write's business");
        assertEquals(List.of(running), temporaries(alive), "the write's own temporary file became the model");
    }

    private List<Path> temporaries(long pid) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(".model.safetensors." + pid + "."))
                    .sorted().toList();
        }
    }
}
