package dev.distill.engine.verification;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.layer.KnownLayers;
import dev.distill.engine.layer.LayerIndex;
import java.io.InputStream;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The layer indexes a verifier made, kept in memory by layer digest (least recently used go first past a bound on
 * their entries), so that the next verification's pulls merge the layers it saw before (the distroless bases, a
 * result's unchanged layers, a source verified again) without decompressing and reading their blobs. A layer is its
 * digest: an index made from a verified read of one blob holds for every image that lists it. Safe for the source's
 * thread and the results' pulls at once; only indexes are kept, a file's bytes are always read from the blob.
 */
final class RememberedLayers implements KnownLayers {

    private final long maxEntries;
    private final Map<String, LayerIndex> indexes = new LinkedHashMap<>(16, 0.75f, true);
    private long entries;

    /** @param maxEntries how many tar entries all kept indexes may hold together (a bound on the memory they take) */
    RememberedLayers(long maxEntries) {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("the bound on remembered entries must be >= 0, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    @Override
    public synchronized LayerIndex recall(int layerIndex, Descriptor layer) {
        return indexes.get(layer.digest().toString());
    }

    @Override
    public InputStream recalledContent(FileEntry file, int ordinal) {
        return null;  // no bytes are kept: the verifier's pulls visit no content, and a read streams the blob
    }

    @Override
    public synchronized void indexed(int layerIndex, Descriptor layer, LayerIndex index) {
        long size = index.entries().size();
        if (size > maxEntries) {
            return;
        }
        LayerIndex before = indexes.put(layer.digest().toString(), index);
        entries += size - (before == null ? 0 : before.entries().size());
        Iterator<LayerIndex> oldest = indexes.values().iterator();
        while (entries > maxEntries && oldest.hasNext()) {
            entries -= oldest.next().entries().size();
            oldest.remove();
        }
    }

    /** How many layers are remembered now. */
    synchronized int size() {
        return indexes.size();
    }
}
