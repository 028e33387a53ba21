package dev.distill.engine.wiring;

import dev.distill.engine.image.ImageReference;

/**
 * The image a container runs: {@code pinned} by digest ({@code registry/repository@sha256:...}), which is what
 * the wiring pulls, and {@code tagged} ({@code registry/repository:tag}), the name a person knows it by, or
 * null when it was pushed without a tag.
 */
public record ContainerImage(String pinned, String tagged) {

    public ContainerImage {
        ImageReference ref;
        try {
            ref = ImageReference.parse(pinned);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a container image must be pinned by digest, got '" + pinned + "' ("
                    + e.getMessage() + ")");
        }
        if (ref.digest() == null || ref.tag() != null) {
            throw new IllegalArgumentException("a container image must be pinned by digest alone "
                    + "(registry/repository@sha256:...), got '" + pinned + "'");
        }
        if (tagged != null && ImageReference.parse(tagged).tag() == null) {
            throw new IllegalArgumentException("the tagged name of image " + pinned + " has no tag: '" + tagged + "'");
        }
    }

    /** From a pushed reference that names both tag and digest ({@code repo:tag@sha256:...}) or the digest only. */
    public static ContainerImage of(ImageReference pushed) {
        if (pushed.digest() == null) {
            throw new IllegalArgumentException("image " + pushed + " is not pinned by digest: the wiring runs exactly "
                    + "what was pushed, so it needs the digest the registry answered");
        }
        String location = pushed.repositoryLocation();
        return new ContainerImage(location + "@" + pushed.digest(),
                pushed.tag() == null ? null : location + ":" + pushed.tag());
    }
}
