package dev.distill.engine.packages;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where a path a package database lists is in the image: the entry itself when the path exists as written, else
 * the entry found by resolving its directory (a usr-merged image lists {@code /lib/...} but holds
 * {@code /usr/lib/...}). The final component is never followed: a package's symlink is a file of the package.
 */
final class ImagePaths {

    private final ImageFileSystem fs;
    private final Map<String, Optional<FileEntry>> directories = new HashMap<>();

    ImagePaths(ImageFileSystem fs) {
        this.fs = fs;
    }

    /** The entry of a listed path, or empty when the image does not have it. */
    Optional<FileEntry> find(String listed) {
        String path = Paths.normalize(listed);
        Optional<FileEntry> direct = fs.entry(path);
        if (direct.isPresent() || path.equals("/")) {
            return direct;
        }
        Optional<FileEntry> dir = directories.computeIfAbsent(Paths.parent(path), this::resolveDirectory);
        if (dir.isEmpty() || !dir.get().isDirectory()) {
            return Optional.empty();
        }
        return fs.entry(Paths.join(dir.get().path(), Paths.name(path)));
    }

    /** The entry a path ends at with every symlink followed, or empty. */
    Optional<FileEntry> resolve(String path) {
        return resolveDirectory(Paths.normalize(path));
    }

    private Optional<FileEntry> resolveDirectory(String path) {
        try {
            return fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }
}
