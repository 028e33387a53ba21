package dev.distill.engine.layer;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.image.Descriptor;
import java.io.IOException;
import java.io.InputStream;

/**
 * Layers an earlier pass indexed, offered to {@link LayeredFileSystem#build(java.util.List, BlobSource, LayerLimits,
 * dev.distill.engine.fs.ContentVisitor, KnownLayers)} so that it merges them without reading their blobs. What is
 * kept is keyed by the layer's digest: a layer is its digest, so an index made from a verified read of one blob
 * holds for every image that lists that blob.
 */
public interface KnownLayers {

    /** The index an earlier pass made of this layer, or null to read its blob (then {@link #indexed} follows). */
    LayerIndex recall(int layerIndex, Descriptor layer) throws IOException;

    /**
     * For a recalled layer, what the build's visitor is given for one of its regular files instead of the bytes:
     * whatever the earlier pass kept of them. Called in tar order, for exactly the files a read would visit. Null
     * when nothing was kept: the visitor is then not called for the file, which the caller reads from the view
     * like one whose visited version an upper layer replaced.
     */
    InputStream recalledContent(FileEntry file, int ordinal) throws IOException;

    /** A layer read from its blob was indexed and its blob verified: the index may be kept. */
    void indexed(int layerIndex, Descriptor layer, LayerIndex index) throws IOException;
}
