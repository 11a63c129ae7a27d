package dev.gale.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Refuses outputs that would destroy what a command reads or writes: an output that is an input,
 * two outputs that are one file, or an output that is not a regular file (a device such as
 * {@code /dev/full}, a pipe), compared after resolving links. Checked before any work starts.
 */
public final class OutputPaths {

    /** A file and the option that named it, for messages; a null path (not asked for) is skipped. */
    public record Named(String option, Path path) {
    }

    private OutputPaths() {
    }

    public static void check(List<Named> inputs, List<Named> outputs) throws IOException {
        List<Named> given = outputs.stream().filter(o -> o.path() != null).toList();
        for (int i = 0; i < given.size(); i++) {
            Named output = given.get(i);
            AtomicFile.checkWritable(output.path());
            Path real = real(output.path());
            if (Files.exists(real) && !Files.isRegularFile(real)) {
                throw new IOException("cannot write " + output.option() + " " + output.path()
                        + ": it is not a regular file; choose a file path");
            }
            for (Named input : inputs) {
                if (input.path() != null && Files.exists(input.path()) && real.equals(real(input.path()))) {
                    throw new IOException(output.option() + " " + output.path() + " is the input " + input.option()
                            + " " + input.path() + ": writing it would destroy it; choose another output file");
                }
            }
            for (Named other : given.subList(0, i)) {
                if (real.equals(real(other.path()))) {
                    throw new IOException(output.option() + " " + output.path() + " and " + other.option() + " "
                            + other.path() + " are the same file; give each output its own");
                }
            }
        }
    }

    /** The file a path names once links are followed; for a file not yet there, its folder's real path. */
    private static Path real(Path path) throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        if (Files.exists(absolute)) {
            return absolute.toRealPath();
        }
        Path folder = absolute.getParent();
        return Files.isDirectory(folder) ? folder.toRealPath().resolve(absolute.getFileName()) : absolute;
    }
}
