package dev.distill.engine.image;

import java.util.List;
import java.util.Objects;

/**
 * One platform's image as a registry serves it: which manifest the reference led to, its configuration and
 * its layers, each verified against its digest when it was read.
 *
 * @param reference the reference as asked for
 * @param pushedDigest what the reference pointed at: the index when the image is multi-platform, else the manifest
 * @param manifestDigest the platform manifest chosen; equals {@code pushedDigest} for a single-platform image
 * @param platform the platform of the chosen manifest
 * @param config the descriptor of the configuration blob
 * @param layers bottom layer first, as the manifest lists them
 */
public record ResolvedImage(
        ImageReference reference,
        Digest pushedDigest,
        Digest manifestDigest,
        String manifestMediaType,
        Platform platform,
        Descriptor config,
        ImageConfig imageConfig,
        List<Descriptor> layers) {

    public ResolvedImage {
        if (reference == null || pushedDigest == null || manifestDigest == null || manifestMediaType == null
                || platform == null || config == null || imageConfig == null) {
            throw new IllegalArgumentException("resolved image " + reference + " is missing a field: pushedDigest="
                    + pushedDigest + " manifestDigest=" + manifestDigest + " manifestMediaType=" + manifestMediaType
                    + " platform=" + platform + " config=" + config + " imageConfig=" + imageConfig);
        }
        if (layers == null || layers.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("resolved image " + reference + " has a missing layer list or a null layer: " + layers);
        }
        layers = List.copyOf(layers);
    }

    /** The reference pinned to what it pointed at, so later stages read exactly this image. */
    public ImageReference pinnedReference() {
        return reference.withDigest(pushedDigest);
    }

    /** Total compressed size of the layers, as the registry stores them. */
    public long compressedLayerSize() {
        return layers.stream().mapToLong(Descriptor::size).sum();
    }
}
