package dev.distill.engine.assembly;

import dev.distill.engine.cache.CacheKey;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The source image's merged view and the bytes of the files the plan carries, read in one pass over the source
 * layers. Bytes go to a private spool directory, because the result layer is written in path order while the
 * source hands its files over in layer order.
 */
final class SourceContent implements Closeable {

    private final LayeredFileSystem view;
    private final Path spool;
    private final Map<String, Path> content;
    /** The SHA-256 of spooled files' bytes, by spool file: computed once, or known from the cache. */
    private final Map<Path, byte[]> hashes;

    private SourceContent(LayeredFileSystem view, Path spool, Map<String, Path> content, Map<Path, byte[]> hashes) {
        this.view = view;
        this.spool = spool;
        this.content = content;
        this.hashes = hashes;
    }

    /**
     * @param wanted the paths of the regular files (or hard links) whose bytes are needed
     * @param spool an empty directory this object owns and deletes on {@link #close}
     */
    static SourceContent read(List<Descriptor> layers, BlobSource blobs, LayerLimits limits, Set<String> wanted,
            Path spool) throws IOException {
        return read(layers, blobs, limits, wanted, spool, null);
    }

    /**
     * @param cache where the layers' indexes and carried files of earlier builds are kept ({@link SourceLayers}), so
     *     that only the layers no build read before are fetched; null to read every layer
     */
    static SourceContent read(List<Descriptor> layers, BlobSource blobs, LayerLimits limits, Set<String> wanted,
            Path spool, DiskCache cache) throws IOException {
        // Every version of a wanted path that some layer holds is spooled; the view decides afterwards which one
        // is the image's (an upper layer may replace or delete it).
        Map<FileEntry, Path> seen = new IdentityHashMap<>();
        Map<String, Integer> versions = new HashMap<>();
        Map<Path, byte[]> hashes = new ConcurrentHashMap<>();
        LayeredFileSystem view;
        Map<FileEntry, CacheKey> missed = new IdentityHashMap<>();
        try (SourceLayers known = cache == null ? null : new SourceLayers(cache, wanted, limits.maxPathLength(), hashes, missed)) {
            view = LayeredFileSystem.build(layers, blobs, limits, (file, in) -> {
                if (wanted.contains(file.path())) {
                    int n = versions.merge(file.path(), 1, Integer::sum);
                    Path target = spool.resolve(seen.size() + "-" + n);
                    // Spool files are only ever read: one recalled from the cache may be the cache's own file.
                    if (known == null || !known.spoolRecalled(target)) {
                        try (OutputStream out = Files.newOutputStream(target)) {
                            in.transferTo(out);
                        }
                    }
                    seen.put(file, target);
                    if (known != null && known.recalling()) {
                        known.recalledSpooled(target);
                    } else if (known != null) {
                        known.spooled(file, target);
                    }
                }
            }, known);
        }
        Map<String, Path> content = new HashMap<>();
        Map<FileEntry, Path> readAgain = new IdentityHashMap<>();
        List<FileEntry> rest = new ArrayList<>();
        for (String path : wanted) {
            FileEntry entry = view.entry(path).orElse(null);
            if (entry == null) {
                continue; // the planner's check reports it with the plan's reason
            }
            Path spooled = seen.get(entry);
            if (spooled != null) {
                content.put(path, spooled);
            } else if (entry.type() == FileType.REGULAR || entry.type() == FileType.HARDLINK) {
                rest.add(entry);
            }
        }
        // Hard links (and files whose visited version was replaced) are read again, layer by layer.
        if (!rest.isEmpty()) {
            int[] n = {0};
            view.readAll(rest, (file, in) -> {
                Path target = spool.resolve("again-" + n[0]++);
                try (OutputStream out = Files.newOutputStream(target)) {
                    in.transferTo(out);
                }
                content.put(file.path(), target);
                readAgain.put(file, target);
            });
            if (cache != null) {
                // Files of recalled layers that no earlier build carried: kept now, so the next build need not read.
                SourceLayers.keepMissed(cache, missed, readAgain, hashes);
            }
        }
        return new SourceContent(view, spool, content, hashes);
    }

    /** Reads the bytes of further regular files (repairs found after the first pass), one more pass per layer. */
    void ensure(Collection<FileEntry> files) throws IOException {
        List<FileEntry> missing = files.stream().filter(f -> !content.containsKey(f.path())).toList();
        if (missing.isEmpty()) {
            return;
        }
        int[] n = {0};
        view.readAll(missing, (file, in) -> {
            Path target = spool.resolve("more-" + n[0]++);
            try (OutputStream out = Files.newOutputStream(target)) {
                in.transferTo(out);
            }
            content.put(file.path(), target);
        });
    }

    LayeredFileSystem view() {
        return view;
    }

    /** The bytes of a carried regular file or hard link, or null when they were not read. */
    InputStream open(String path) throws IOException {
        Path p = content.get(path);
        return p == null ? null : Files.newInputStream(p);
    }

    /** The SHA-256 of a carried file's bytes (null when they were not read), computed once. */
    byte[] sha256(String path) throws IOException {
        Path p = content.get(path);
        if (p == null) {
            return null;
        }
        byte[] known = hashes.get(p);
        if (known == null) {
            try (InputStream in = Files.newInputStream(p)) {
                known = BaseContent.hash(in);
            }
            hashes.put(p, known);
        }
        return known;
    }

    long size(String path) throws IOException {
        Path p = content.get(path);
        return p == null ? -1 : Files.size(p);
    }

    @Override
    public void close() throws IOException {
        WorkDirectories.removeTree(spool);
    }
}
