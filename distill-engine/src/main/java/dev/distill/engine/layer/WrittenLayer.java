package dev.distill.engine.layer;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.registry.ImageUpload;
import java.nio.file.Path;

/**
 * A layer {@link LayerWriter} finished: the compressed blob on disk with its digest and size, and the digest of the
 * uncompressed tar (the diffID an image config lists).
 *
 * @param entries how many tar entries the layer holds (not counting the extended headers)
 */
public record WrittenLayer(Path file, Digest digest, long size, Digest diffId, long uncompressedSize, int entries) {

    public WrittenLayer {
        if (file == null || digest == null || diffId == null) {
            throw new IllegalArgumentException("a written layer needs its file, digest and diffID, got " + file + ", "
                    + digest + ", " + diffId);
        }
        if (size < 0 || uncompressedSize < 0 || entries < 0) {
            throw new IllegalArgumentException("layer " + digest + " has a negative size or count: " + size + ", "
                    + uncompressedSize + ", " + entries);
        }
    }

    /** This layer as part of an image to push. */
    public ImageUpload.Layer upload() {
        return ImageUpload.Layer.file(descriptor(), diffId, file, uncompressedSize);
    }

    /** How a manifest lists this layer. */
    public Descriptor descriptor() {
        return new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, digest, size);
    }
}
