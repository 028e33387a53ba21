package dev.distill.engine.distroless;

/**
 * A file a package ships that its layer does not carry, and why: a device node or FIFO (a layer written by
 * Distill holds files, directories and links only; a container runtime provides /dev), or a file distroless
 * deliberately leaves out. Recorded, never dropped silently.
 *
 * @param packageName the Debian package, e.g. {@code ca-certificates}
 * @param path the absolute path in the package
 */
public record OmittedEntry(String packageName, String path, String reason) {

    public OmittedEntry {
        if (packageName == null || packageName.isBlank() || path == null || !path.startsWith("/") || reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("an omitted entry needs a package, an absolute path and a reason, got "
                    + packageName + ", " + path + ", " + reason);
        }
    }
}
