package dev.distill.engine.assembly;

import dev.distill.engine.cache.CacheKey;
import dev.distill.engine.cache.CachedEntry;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Program layers (shared or a program's own) kept in a {@link DiskCache} under a hash of exactly what decides their
 * bytes: every entry in order with its type, mode, owner, link target, extended attributes and the SHA-256 of its
 * content, and {@link LayerWriter#FORMAT_VERSION} (tar form, compression). {@link LayerWriter} is deterministic, so a
 * layer built again from the same entries is the same blob; a hit takes the kept blob with its digest and diffID
 * instead of writing and compressing it, and the push then finds it in the registry and uploads nothing.
 */
final class BuiltLayers {

    static final String KIND = "program-layer";
    static final int FORMAT_VERSION = 1;

    private BuiltLayers() {
    }

    /** What {@link ProgramLayer#write} writes, from the cache when these entries were written before. */
    static WrittenLayer write(DiskCache cache, TreeMap<String, ProgramLayer.Entry> entries, SourceContent source, Path target)
            throws IOException, AssemblyException {
        if (cache == null) {
            return ProgramLayer.write(entries, source, target);
        }
        CacheKey key = key(entries, source);
        if (key != null) {
            try (CachedEntry hit = cache.find(key).orElse(null)) {
                if (hit != null) {
                    hit.copyTo(target);
                    return new WrittenLayer(target, Digest.parse(hit.attribute("digest")), hit.length(),
                            Digest.parse(hit.attribute("diffId")), Long.parseLong(hit.attribute("uncompressedSize")),
                            Integer.parseInt(hit.attribute("entries")));
                }
            } catch (IllegalArgumentException e) {
                Files.deleteIfExists(target); // attributes that do not parse: written anew below
            }
        }
        WrittenLayer written = ProgramLayer.write(entries, source, target);
        if (key != null) {
            cache.put(key, Map.of("digest", written.digest().toString(), "diffId", written.diffId().toString(),
                    "uncompressedSize", String.valueOf(written.uncompressedSize()), "entries", String.valueOf(written.entries())),
                    out -> Files.copy(target, out));
        }
        return written;
    }

    /** The hash of the layer's inputs; null when a file's bytes are not at hand (the write then says why). */
    static CacheKey key(TreeMap<String, ProgramLayer.Entry> entries, SourceContent source) throws IOException {
        StringBuilder text = new StringBuilder("layer-writer ").append(LayerWriter.FORMAT_VERSION).append('\n');
        HexFormat hex = HexFormat.of();
        for (ProgramLayer.Entry e : entries.values()) {
            text.append(e.path()).append('\0').append(e.type()).append('\0').append(Integer.toOctalString(e.mode()))
                    .append('\0').append(e.uid()).append(':').append(e.gid()).append('\0')
                    .append(e.linkTarget() == null ? "" : e.linkTarget()).append('\0');
            e.xattrs().values().forEach((name, value) -> text.append("x:").append(name).append('=').append(hex.formatHex(value)).append(';'));
            e.xattrs().texts().forEach((name, value) -> text.append("t:").append(name).append('=').append(hex.formatHex(
                    value.getBytes(java.nio.charset.StandardCharsets.UTF_8))).append(';'));
            text.append('\0');
            if (e.bytes() != null) {
                text.append("b:").append(Digest.sha256(e.bytes()));
            } else if (e.type() == FileType.REGULAR || e.type() == FileType.HARDLINK) {
                byte[] sha = source.sha256(e.path());
                if (sha == null) {
                    if (e.type() == FileType.REGULAR) {
                        return null;
                    }
                    text.append("-"); // a link to a file written under another name: its bytes are that file's
                } else {
                    text.append("s:").append(hex.formatHex(sha));
                }
            }
            text.append('\n');
        }
        return new CacheKey(KIND, CacheKey.sha256(text.toString()), FORMAT_VERSION);
    }
}
