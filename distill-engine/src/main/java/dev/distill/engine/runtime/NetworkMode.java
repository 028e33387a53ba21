package dev.distill.engine.runtime;

import java.nio.file.Path;

/**
 * Which network namespace a container gets: a new one that has only loopback (runc brings {@code lo} up), or an
 * existing one to join, as the second and later containers of a pod do.
 *
 * <p>A network namespace belongs to the user namespace it was made in: only root of that user namespace may bind a
 * low port or configure an interface in it. Pod members therefore join the first member's user namespace along with
 * its network ({@link #joinPodOf}), as Kubernetes gives a pod one user namespace.
 *
 * @param join the namespace file to join ({@code /proc/<pid>/ns/net}), or null for a new namespace
 * @param userNamespace the user namespace that owns {@code join}, to join with it when the sandbox uses user
 *     namespaces ({@code /proc/<pid>/ns/user}); null for a new one
 */
public record NetworkMode(Path join, Path userNamespace) {

    public static final NetworkMode LOOPBACK_ONLY = new NetworkMode(null, null);

    public NetworkMode {
        if (join != null && !join.isAbsolute() || userNamespace != null && !userNamespace.isAbsolute()) {
            throw new IllegalArgumentException("namespaces to join must be absolute paths, got " + join + ", " + userNamespace);
        }
        if (join == null && userNamespace != null) {
            throw new IllegalArgumentException("a user namespace is joined only with the network it owns, got " + userNamespace);
        }
    }

    /** Joins a network namespace in a new user namespace of the container's own. */
    public static NetworkMode join(Path namespace) {
        if (namespace == null) {
            throw new IllegalArgumentException("a network namespace to join is needed, got null");
        }
        return new NetworkMode(namespace, null);
    }

    /** Joins the network namespace of a pod's first container, and the user namespace that owns it. */
    public static NetworkMode joinPodOf(ContainerRun first) {
        return new NetworkMode(first.networkNamespace(), first.userNamespace());
    }

    public boolean isNew() {
        return join == null;
    }
}
