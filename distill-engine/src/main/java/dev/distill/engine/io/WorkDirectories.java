package dev.distill.engine.io;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** Work directories the engine creates and must leave behind empty, whatever happens inside them. */
public final class WorkDirectories {

    private WorkDirectories() {
    }

    /**
     * Deletes a directory tree without following any symlink in it: an unpacked image may hold links to anywhere
     * on the host, and only the links themselves may go.
     */
    public static void removeTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Like {@link #removeTree}, for clean-up after the real work: a leftover work directory is not worth a failure. */
    public static void removeTreeQuietly(Path root) {
        if (root == null) {
            return;
        }
        try {
            removeTree(root);
        } catch (IOException e) {
            // Left in the temporary directory; harmless, and the work it belonged to has its own outcome.
        }
    }
}
