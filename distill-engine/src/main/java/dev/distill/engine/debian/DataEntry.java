package dev.distill.engine.debian;

import dev.distill.engine.fs.FileType;

/**
 * One file of a package's {@code data.tar}, with its path made absolute and checked.
 *
 * @param path absolute and normalised: {@code /usr/lib/os-release}, {@code /} for the archive's root entry
 * @param mode permission bits including setuid, setgid and sticky
 * @param size bytes of content; 0 for anything but a regular file
 * @param linkTarget a symlink's target as written, a hard link's target as an absolute path; empty otherwise
 */
public record DataEntry(String path, FileType type, int mode, int uid, int gid, long size, String linkTarget) {

    public DataEntry {
        if (path == null || !path.startsWith("/") || type == null || linkTarget == null) {
            throw new IllegalArgumentException("a data entry needs an absolute path, a type and a link target, got " + path + " " + type);
        }
        if (mode < 0 || mode > 07777 || size < 0) {
            throw new IllegalArgumentException("bad mode " + Integer.toOctalString(mode) + " or size " + size + " for " + path);
        }
    }
}
