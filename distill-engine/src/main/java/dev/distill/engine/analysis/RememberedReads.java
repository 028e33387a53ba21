package dev.distill.engine.analysis;

import dev.distill.engine.cache.CacheKey;
import dev.distill.engine.cache.CachedEntry;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ForwardingFileSystem;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.layer.LayeredFileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;

/**
 * The reads an analysis makes after its pass (a detector reading the head of a binary the pass did not keep), kept in
 * the cache by where the bytes are (layer digest and tar ordinal) and how many were asked for. Such a read streams the
 * file's whole layer; kept, the next analysis of any image with that layer reads nothing. The bytes are a function of
 * the layer alone, so the report is the same.
 */
final class RememberedReads extends ForwardingFileSystem {

    static final String KIND = "file-head";
    static final int FORMAT_VERSION = 1;
    /** Larger reads are not kept: they are rare, and the cache is better used for layers' facts. */
    static final int MAX_KEPT_BYTES = 16 << 20;

    private final LayeredFileSystem image;
    private final DiskCache cache;

    RememberedReads(LayeredFileSystem image, DiskCache cache) {
        this.image = image;
        this.cache = cache;
    }

    @Override
    protected ImageFileSystem delegate() {
        return image;
    }

    @Override
    public byte[] read(FileEntry file, int limit) throws IOException {
        String where = image.contentId(file);
        if (where == null) {
            return image.read(file, limit);
        }
        CacheKey key = new CacheKey(KIND, where + " " + limit, FORMAT_VERSION);
        Optional<CachedEntry> found = cache.find(key);
        if (found.isPresent()) {
            try (CachedEntry e = found.get(); InputStream in = e.open()) {
                return in.readAllBytes();
            }
        }
        byte[] bytes = image.read(file, limit);
        if (bytes.length <= MAX_KEPT_BYTES) {
            cache.put(key, Map.of(), out -> out.write(bytes));
        }
        return bytes;
    }

    @Override
    public void readAll(java.util.Collection<FileEntry> files, dev.distill.engine.fs.ContentVisitor visitor) throws IOException {
        image.readAll(files, visitor);
    }

    @Override
    public String toString() {
        return image + ", its later reads remembered in " + cache;
    }
}
