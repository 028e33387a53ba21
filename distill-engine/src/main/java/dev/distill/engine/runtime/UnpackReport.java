package dev.distill.engine.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@link RootfsUnpacker} wrote.
 *
 * @param bytes content bytes of the regular files written (a hard link adds none)
 * @param skipped entries not written, each with why: device files, FIFOs, anything that could not be placed safely
 */
public record UnpackReport(Path rootfs, long directories, long files, long symlinks, long hardLinks, long bytes,
        Duration took, List<Skipped> skipped) {

    public UnpackReport {
        if (rootfs == null || took == null) {
            throw new IllegalArgumentException("an unpack report needs a rootfs and a duration, got " + rootfs + ", " + took);
        }
        skipped = List.copyOf(skipped);
    }

    /** One image path that is not in the rootfs, and why. */
    public record Skipped(String path, String reason) {
        public Skipped {
            if (path == null || reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("a skipped entry needs a path and a reason, got " + path + ": " + reason);
            }
        }
    }
}
