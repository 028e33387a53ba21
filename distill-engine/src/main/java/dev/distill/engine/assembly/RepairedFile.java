package dev.distill.engine.assembly;

import dev.distill.engine.fs.FileType;

/**
 * A file a repair round carried into a result image beyond the plan's, with its size: what self-repair added, listed
 * in the build report so the result's size stays explained.
 *
 * @param path the entry carried (the file, a directory, or a symlink on the way to it)
 * @param bytes a regular file's size, 0 for other types
 * @param round the repair round that asked for it
 * @param requested the path the verifier asked for, which this entry is (or leads to)
 * @param reason why the verifier asked for it
 */
public record RepairedFile(String path, FileType type, long bytes, int round, String requested, String reason) {

    public RepairedFile {
        if (path == null || !path.startsWith("/") || requested == null || !requested.startsWith("/")) {
            throw new IllegalArgumentException("a repaired file needs absolute paths, got " + path + " for " + requested);
        }
        if (type == null || bytes < 0 || round < 1) {
            throw new IllegalArgumentException("repaired file " + path + " needs a type, bytes >= 0 and a round >= 1, got "
                    + type + ", " + bytes + ", " + round);
        }
    }
}
