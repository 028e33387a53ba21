package dev.distill.engine.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What {@link RootfsUnpacker} wrote.
 *
 * @param bytes content bytes of the regular files written (a hard link adds none)
 * @param skipped entries not written, each with why: device files, FIFOs, anything that could not be placed safely
 * @param method how the rootfs was made: {@value #FULL_UNPACK}, or an overlay of shared layer trees, or a full unpack
 *     and why the overlay could not be used
 */
public record UnpackReport(Path rootfs, long directories, long files, long symlinks, long hardLinks, long bytes,
        Duration took, List<Skipped> skipped, String method) {

    /** Every file written into the bundle. */
    public static final String FULL_UNPACK = "full unpack";

    public UnpackReport {
        if (rootfs == null || took == null || method == null || method.isBlank()) {
            throw new IllegalArgumentException("an unpack report needs a rootfs, a duration and a method, got " + rootfs + ", " + took
                    + ", " + method);
        }
        skipped = List.copyOf(skipped);
    }

    /** A full unpack's report. */
    public UnpackReport(Path rootfs, long directories, long files, long symlinks, long hardLinks, long bytes, Duration took,
            List<Skipped> skipped) {
        this(rootfs, directories, files, symlinks, hardLinks, bytes, took, skipped, FULL_UNPACK);
    }

    /** This report with another method and the time it took in all. */
    public UnpackReport withMethod(String newMethod, Duration newTook) {
        return new UnpackReport(rootfs, directories, files, symlinks, hardLinks, bytes, newTook, skipped, newMethod);
    }

    /** Whether the rootfs is an overlay of shared layer trees. */
    public boolean overlay() {
        return method.startsWith("overlay");
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
