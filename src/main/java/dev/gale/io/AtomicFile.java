package dev.gale.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a file so that readers see either the old content or the complete new one: the bytes go to
 * a temporary file beside the target, are forced to the disk, and the temporary file is renamed over
 * the target. A crash or a failed write leaves the old file as it was. A process killed mid-write
 * leaves its temporary file behind; the next write of the same target removes it.
 */
public final class AtomicFile {

    /** Writes the whole content to the stream it is given. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * Fails with the reason when {@code target} cannot be written: for checking outputs before long
     * work, so that a typo costs no training time. Null (no output asked for) passes.
     */
    public static void checkWritable(Path target) throws IOException {
        if (target == null) {
            return;
        }
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            throw new IOException("cannot write " + target + ": it is a folder");
        }
        if (!Files.isDirectory(folder)) {
            throw new IOException("cannot write " + target + ": the folder " + folder + " does not exist");
        }
        if (!Files.isWritable(folder) || Files.exists(absolute) && !Files.isWritable(absolute)) {
            throw new IOException("cannot write " + target + ": permission denied");
        }
    }

    public static void write(Path target, Content content) throws IOException {
        checkWritable(target);
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        String name = absolute.getFileName().toString();
        removeTemporariesOfDeadWriters(folder, name);
        Path temporary;
        try {
            // .NAME.PID.RANDOM.tmp: the pid tells another process's next write whether this one is still running.
            temporary = Files.createTempFile(folder, "." + name + "." + ProcessHandle.current().pid() + ".", ".tmp");
        } catch (AccessDeniedException | NoSuchFileException e) {
            throw new IOException("cannot write " + target + ": the folder " + folder + " is not writable");
        }
        try {
            readableByAll(temporary);
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE)) {
                OutputStream out = Channels.newOutputStream(channel);
                content.writeTo(out);
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temporary);
            throw new IOException("cannot write " + target + ": " + e.getMessage(), e);
        }
        syncFolder(folder);
    }

    /**
     * Deletes the temporary files of {@code target} whose writer's process has ended: writes killed
     * before their rename. The writer's pid is in the name, so that a write still running in another
     * process keeps its file; a pid reused by an unrelated process only delays the cleanup.
     */
    private static void removeTemporariesOfDeadWriters(Path folder, String target) {
        Pattern temporaryName = Pattern.compile(Pattern.quote("." + target + ".") + "(\\d{1,18})\\.[^.]+\\.tmp");
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                Matcher name = temporaryName.matcher(file.getFileName().toString());
                if (name.matches() && ProcessHandle.of(Long.parseLong(name.group(1))).isEmpty()) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException | DirectoryIteratorException e) {
            // Left for a later write: a leftover file must not cost the user this one.
        }
    }

    /**
     * Temporary files start private (rw-------); a model or a plot is for others to read too, as a
     * file created the ordinary way would be.
     */
    private static void readableByAll(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: its default permissions apply.
        }
    }

    /** Makes the rename itself durable where the platform allows opening a folder. */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some platforms cannot open or sync a folder; the file itself is already on the disk.
        }
    }
}
