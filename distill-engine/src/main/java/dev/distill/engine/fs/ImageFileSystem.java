package dev.distill.engine.fs;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A read-only view of an image's merged root filesystem. Paths are absolute; symlinks are resolved inside
 * the image root, never on the host.
 */
public interface ImageFileSystem {

    /** The entry at exactly this path, without following a final symlink (like {@code lstat}). */
    Optional<FileEntry> entry(String path);

    /**
     * Follows symlinks (in every component, like {@code realpath} inside the image) and hard links to the
     * entry that holds the data.
     *
     * @return empty when a component is missing or the link chain dangles
     * @throws SymlinkLoopException when the chain does not end (more than 40 links, like Linux)
     */
    Optional<FileEntry> resolve(String path);

    /** The children of a directory (after resolving it), in path order. */
    List<FileEntry> list(String directory);

    /** Every entry of the merged view, in path order. */
    Stream<FileEntry> entries();

    /** The bytes of a regular file (resolve links first). The caller closes the stream. */
    InputStream open(FileEntry file) throws IOException;

    /** Reads at most {@code limit} bytes of a regular file: for configs, scripts and headers. */
    default byte[] read(FileEntry file, int limit) throws IOException {
        try (InputStream in = open(file)) {
            return in.readNBytes(limit);
        }
    }

    /**
     * Reads many regular files, calling the visitor once per file with its bytes. Implementations read each
     * source of bytes once (a layered image streams each layer once), so this is how to read many files.
     * The default opens each file in turn.
     */
    default void readAll(java.util.Collection<FileEntry> files, ContentVisitor visitor) throws IOException {
        for (FileEntry file : files) {
            try (InputStream in = open(file)) {
                visitor.visit(file, in);
            }
        }
    }

    /** A symlink chain that never ends. */
    final class SymlinkLoopException extends RuntimeException {
        public SymlinkLoopException(String path) {
            super("too many levels of symbolic links resolving " + path);
        }
    }
}
