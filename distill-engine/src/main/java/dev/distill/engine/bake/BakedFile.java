package dev.distill.engine.bake;

import dev.distill.engine.fs.FileType;
import java.nio.file.Path;
import java.util.List;

/**
 * One path the baked steps made, changed or deleted, as the source's root filesystem has it after them.
 *
 * @param type {@code REGULAR}, {@code DIRECTORY} or {@code SYMLINK}; null when the steps deleted it
 * @param content for a regular file, its bytes in the bake's spool directory; else null
 * @param steps which baked steps changed it (indexes into the plan's baked steps), in order
 * @param madeBy the step that last changed it, for reports ({@code /entrypoint.sh:5 php artisan config:cache})
 */
public record BakedFile(String path, FileType type, int mode, int uid, int gid, long size, String linkTarget, Path content,
        List<Integer> steps, String madeBy) {

    public BakedFile {
        if (path == null || !path.startsWith("/") || path.equals("/")) {
            throw new IllegalArgumentException("a baked file needs an absolute path below /, got " + path);
        }
        steps = List.copyOf(steps);
    }

    public boolean deleted() {
        return type == null;
    }
}
