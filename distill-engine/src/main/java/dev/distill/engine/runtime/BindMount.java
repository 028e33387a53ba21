package dev.distill.engine.runtime;

import java.nio.file.Path;

/**
 * A host directory mounted into a container, for volumes a pod's containers share.
 *
 * @param source an absolute host path, inside the sandbox's work directory
 * @param destination an absolute path in the container
 */
public record BindMount(Path source, String destination, boolean readOnly) {

    public BindMount {
        if (source == null || !source.isAbsolute()) {
            throw new IllegalArgumentException("bind mount source must be an absolute host path, got " + source);
        }
        if (destination == null || !destination.startsWith("/") || destination.equals("/")
                || destination.contains("/../") || destination.endsWith("/..")) {
            throw new IllegalArgumentException("bind mount destination must be an absolute path below /, got " + destination);
        }
    }
}
