package dev.distill.engine.assembly;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A base's merged view and the SHA-256 of every regular file in it, so that a carried file the base already has
 * byte for byte, at the same path and with the same attributes, is not carried a second time (the usual case: a
 * Debian source's libc or CA bundle over a Debian distroless base). The hashes are taken in the one pass that
 * builds the view, once per base digest.
 */
final class BaseContent {

    private static final int TEXT_LIMIT = 1 << 20;

    private final ImageFileSystem view;
    private final Map<String, byte[]> sha256;
    /** Texts read from the view, by path: reading one file of a layer costs the whole layer (see {@link #text}). */
    private final Map<String, String> texts = new HashMap<>();

    private BaseContent(ImageFileSystem view, Map<String, byte[]> sha256) {
        this.view = view;
        this.sha256 = sha256;
    }

    /** Reads a base's layers once: its view, and the hash of each file's bytes as the view has it. */
    static BaseContent read(List<Descriptor> layers, BlobSource blobs, LayerLimits limits) throws IOException {
        Map<FileEntry, byte[]> seen = new IdentityHashMap<>();
        LayeredFileSystem view = LayeredFileSystem.build(layers, blobs, limits, (file, in) -> {
            if (file.isRegular()) {
                seen.put(file, hash(in));
            }
        });
        Map<String, byte[]> sha256 = new HashMap<>();
        view.entries().filter(FileEntry::isRegular).forEach(e -> {
            byte[] h = seen.get(e);
            if (h != null) {
                sha256.put(e.path(), h);
            }
        });
        return new BaseContent(view, sha256);
    }

    /** Any file system, hashed by opening every regular file (small bases in tests). */
    static BaseContent of(ImageFileSystem view) throws IOException {
        Map<String, byte[]> sha256 = new HashMap<>();
        for (FileEntry e : view.entries().filter(FileEntry::isRegular).toList()) {
            try (InputStream in = view.open(e)) {
                sha256.put(e.path(), hash(in));
            }
        }
        return new BaseContent(view, sha256);
    }

    ImageFileSystem view() {
        return view;
    }

    /**
     * The text of a regular file of the base (symlinks followed), "" when it has none there; read once per base and
     * path, as every build asks again for the same base's {@code /etc/passwd} and {@code /etc/group}, and reading a
     * file of a base pulled from a registry reads its whole layer again.
     */
    String text(String path) throws IOException {
        synchronized (texts) {
            String known = texts.get(path);
            if (known == null) {
                Optional<FileEntry> entry = view.resolve(path);
                known = entry.isEmpty() || !entry.get().isRegular() ? ""
                        : new String(view.read(entry.get(), TEXT_LIMIT), StandardCharsets.UTF_8);
                texts.put(path, known);
            }
            return known;
        }
    }

    /** The uncompressed (tar) size of one of the base's layers, as read. */
    long uncompressedSize(int layer) {
        if (!(view instanceof LayeredFileSystem layered)) {
            throw new IllegalStateException("a base not read from its layers has no layer sizes");
        }
        return layered.uncompressedSize(layer);
    }

    /**
     * Whether the base has this entry exactly: a regular file with the same bytes (compared by hash, after size),
     * mode, owner and kept attributes, or a symlink with the same target and owner. Hard links are never compared:
     * their group must stay whole in one layer.
     *
     * @param bytes the SHA-256 of the carried file's bytes, asked for only when everything else matches
     */
    boolean holds(ProgramLayer.Entry carried, long size, ContentHash bytes) throws IOException {
        FileEntry b = view.entry(carried.path()).orElse(null);
        if (b == null || b.uid() != carried.uid() || b.gid() != carried.gid()) {
            return false;
        }
        if (carried.type() == FileType.SYMLINK) {
            return b.isSymlink() && b.linkTarget().equals(carried.linkTarget());
        }
        if (carried.type() != FileType.REGULAR || !b.isRegular() || b.size() != size
                || (b.mode() & 07777) != carried.mode() || !b.xattrs().equals(carried.xattrs())) {
            return false;
        }
        byte[] h = sha256.get(b.path());
        return h != null && Arrays.equals(h, bytes.sha256());
    }

    /** The hash of a carried file's bytes, computed only when needed. */
    @FunctionalInterface
    interface ContentHash {
        byte[] sha256() throws IOException;
    }

    static byte[] hash(InputStream in) throws IOException {
        MessageDigest md = Digest.newSha256();
        byte[] buffer = new byte[65536];
        for (int n; (n = in.read(buffer)) > 0; ) {
            md.update(buffer, 0, n);
        }
        return md.digest();
    }
}
