package dev.distill.engine.verify;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Lookups every check needs, made safe: a missing, dangling or looping path is simply absent. */
final class ImageFiles {

    /** {@code /etc/passwd} and {@code /etc/group} larger than this are read only this far. */
    static final int TEXT_LIMIT = 1 << 20;

    private final ImageFileSystem fs;

    ImageFiles(ImageFileSystem fs) {
        this.fs = fs;
    }

    ImageFileSystem fs() {
        return fs;
    }

    Optional<FileEntry> resolve(String path) {
        try {
            return fs.resolve(path);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    Optional<FileEntry> entry(String path) {
        try {
            return fs.entry(path);
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The layer of the entry itself (a symlink's own layer), else of the file it resolves to, else "". */
    String layerOf(String path) {
        if (path == null || !path.startsWith("/")) {
            return "";
        }
        String p = Paths.normalize(path);
        String layer = entry(p).or(() -> resolve(p)).map(FileEntry::layerDigest).orElse(null);
        return layer == null ? "" : layer;
    }

    CheckFinding finding(String path, String subject, String reason) {
        return new CheckFinding(path, layerOf(path), subject, reason);
    }

    /** The text of a regular file, empty when it is absent or not a regular file. */
    Optional<String> text(String path) throws IOException {
        Optional<FileEntry> e = resolve(path);
        if (e.isEmpty() || !e.get().isRegular()) {
            return Optional.empty();
        }
        return Optional.of(new String(fs.read(e.get(), TEXT_LIMIT), StandardCharsets.UTF_8));
    }

    byte[] head(FileEntry file, int limit) throws IOException {
        return fs.read(file, limit);
    }
}
