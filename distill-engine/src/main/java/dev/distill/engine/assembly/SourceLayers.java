package dev.distill.engine.assembly;

import dev.distill.engine.cache.CacheKey;
import dev.distill.engine.cache.CachedEntry;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.layer.KnownLayers;
import dev.distill.engine.layer.LayerIndex;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The source's layers as earlier builds read them, kept in a {@link DiskCache} by layer digest: each layer's entry
 * index, and the bytes of each file a build carried from it (with their SHA-256). A new tag of an image whose lower
 * layers were built before is merged from their indexes, its carried files come from the cache, and only the layers
 * it changed are fetched; a carried file no earlier build took from a known layer is read from the view as usual.
 */
final class SourceLayers implements KnownLayers, AutoCloseable {

    static final String INDEX = "layer-index";
    static final String FILE = "carried-file";
    static final int FORMAT_VERSION = 1;
    private static final InputStream NOTHING = InputStream.nullInputStream();

    private record Spooled(CacheKey key, Path file) {
    }

    private final DiskCache cache;
    private final Set<String> wanted;
    private final int maxPathLength;
    private final Map<Path, byte[]> hashes;
    /** Files of recalled layers whose bytes were not kept, with the key to keep them under once read. */
    private final Map<FileEntry, CacheKey> missed;
    /** The entry whose bytes the visitor is reading; held open until the next file. */
    private CachedEntry current;
    private final List<Spooled> spooled = new ArrayList<>();
    private final Map<String, Integer> occurrences = new HashMap<>();
    private Descriptor layer;
    private boolean recalled;

    /**
     * @param wanted the paths whose bytes the build carries
     * @param hashes receives the SHA-256 of each spooled file's bytes, by spool file, when known without reading it
     * @param missed receives the files of recalled layers whose bytes were not kept (see {@link #keepMissed})
     */
    SourceLayers(DiskCache cache, Set<String> wanted, int maxPathLength, Map<Path, byte[]> hashes,
            Map<FileEntry, CacheKey> missed) {
        this.missed = missed;
        this.cache = cache;
        this.wanted = wanted;
        this.maxPathLength = maxPathLength;
        this.hashes = hashes;
    }

    private CacheKey indexKey(Descriptor l) {
        return new CacheKey(INDEX, l.digest() + " paths=" + maxPathLength, FORMAT_VERSION);
    }

    /** The n-th version of a path in one layer (a tar may hold a path twice; the last is the layer's). */
    private CacheKey fileKey(String path) {
        int n = occurrences.merge(path, 1, Integer::sum);
        return new CacheKey(FILE, layer.digest() + " " + n + " " + path, FORMAT_VERSION);
    }

    @Override
    public LayerIndex recall(int layerIndex, Descriptor l) throws IOException {
        closeOpen();
        spooled.clear();
        occurrences.clear();
        layer = l;
        recalled = false;
        try (CachedEntry found = cache.find(indexKey(l)).orElse(null)) {
            if (found == null) {
                return null;
            }
            LayerIndex index = LayerIndex.read(new DataInputStream(new BufferedInputStream(found.open(), 256 * 1024)));
            recalled = true;
            return index;
        } catch (IOException | RuntimeException e) {
            return null; // an index that does not read is not used: the layer is read from its blob
        }
    }

    @Override
    public InputStream recalledContent(FileEntry file, int ordinal) throws IOException {
        if (!wanted.contains(file.path())) {
            return NOTHING; // the spooling visitor takes only what it wants
        }
        closeOpen();
        CacheKey key = fileKey(file.path());
        CachedEntry found = cache.find(key).orElse(null);
        if (found == null || found.length() != file.size()) {
            if (found != null) {
                found.close();
            }
            missed.put(file, key);
            return null;
        }
        current = found;
        return found.open();
    }

    /** The spooling visitor's note of a carried file it wrote from a layer being read. */
    void spooled(FileEntry file, Path spool) {
        if (!recalled) {
            spooled.add(new Spooled(fileKey(file.path()), spool));
        }
    }

    /** The spooling visitor's note of a carried file it wrote from a recalled layer: its hash is known. */
    void recalledSpooled(Path spool) {
        if (current != null && current.attributes().containsKey("sha256")) {
            hashes.put(spool, HexFormat.of().parseHex(current.attributes().get("sha256")));
        }
    }

    /**
     * Spools the bytes of the recalled file being visited: a hard link to the cache's copy where it can, so a release
     * whose layers the cache holds copies none of its carried files (see {@link CachedEntry#linkOrCopyTo}).
     *
     * @return false when no recalled file is being visited (the caller copies the stream)
     */
    boolean spoolRecalled(Path target) throws IOException {
        if (!recalled || current == null) {
            return false;
        }
        current.linkOrCopyTo(target);
        return true;
    }

    boolean recalling() {
        return recalled;
    }

    @Override
    public void indexed(int layerIndex, Descriptor l, LayerIndex index) {
        cache.put(indexKey(l), Map.of("layer", l.digest().toString()), out -> {
            java.io.DataOutputStream data = new java.io.DataOutputStream(out);
            index.write(data);
            data.flush();
        });
        for (Spooled s : spooled) {
            store(cache, s.key(), s.file(), hashes);
        }
        spooled.clear();
    }

    /**
     * Keeps the bytes of recalled layers' files that had to be read from the view (an earlier build carried other
     * files of those layers), under the keys {@link #recalledContent} looked for.
     *
     * @param read the files read again, each with its spool file; those not in {@code missed} are not a recalled layer's
     */
    static void keepMissed(DiskCache cache, Map<FileEntry, CacheKey> missed, Map<FileEntry, Path> read,
            Map<Path, byte[]> hashes) {
        read.forEach((file, spool) -> {
            CacheKey key = missed.get(file);
            if (key != null) {
                store(cache, key, spool, hashes);
            }
        });
    }

    private static void store(DiskCache cache, CacheKey key, Path file, Map<Path, byte[]> hashes) {
        try (DiskCache.Pending p = cache.begin(key)) {
            MessageDigest sha = sha256();
            try (InputStream in = Files.newInputStream(file)) {
                OutputStream out = new DigestOutputStream(p.out(), sha);
                in.transferTo(out);
                out.flush();
            }
            byte[] hash = sha.digest();
            hashes.put(file, hash);
            p.commit(Map.of("sha256", HexFormat.of().formatHex(hash)));
        } catch (IOException e) {
            // not kept; the next build reads it from the blob
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private void closeOpen() throws IOException {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public void close() throws IOException {
        closeOpen();
    }
}
