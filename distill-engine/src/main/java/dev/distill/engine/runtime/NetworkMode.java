package dev.distill.engine.runtime;

import java.nio.file.Path;

/**
 * Which network namespace a container gets: a new one that has only loopback (runc brings {@code lo} up), or an
 * existing one to join, as the second and later containers of a pod do.
 *
 * @param join the namespace file to join ({@code /proc/<pid>/ns/net}), or null for a new namespace
 */
public record NetworkMode(Path join) {

    public static final NetworkMode LOOPBACK_ONLY = new NetworkMode(null);

    public NetworkMode {
        if (join != null && !join.isAbsolute()) {
            throw new IllegalArgumentException("network namespace to join must be an absolute path, got " + join);
        }
    }

    public static NetworkMode join(Path namespace) {
        if (namespace == null) {
            throw new IllegalArgumentException("a network namespace to join is needed, got null");
        }
        return new NetworkMode(namespace);
    }

    public boolean isNew() {
        return join == null;
    }
}
