package dev.distill.engine.distroless;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.plan.BaseImage;

/**
 * One base image as pushed.
 *
 * @param reference repository and tag, with the manifest digest
 * @param compressedSize the layer blobs' bytes
 * @param uncompressedSize the layers' tar bytes, what the image takes unpacked (headers included)
 */
public record PushedBase(BaseImage flavour, BaseVariant variant, ImageReference reference, Digest manifestDigest,
        long compressedSize, long uncompressedSize, int layers) {

    public PushedBase {
        if (flavour == null || variant == null || reference == null || manifestDigest == null) {
            throw new IllegalArgumentException("a pushed base needs flavour, variant, reference and digest, got " + flavour + ", "
                    + variant + ", " + reference + ", " + manifestDigest);
        }
    }
}
