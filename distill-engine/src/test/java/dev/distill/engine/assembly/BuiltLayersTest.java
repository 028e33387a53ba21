package dev.distill.engine.assembly;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.testing.TarWriter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A built layer is found again exactly when everything that decides its bytes is the same; the kept blob is the one
 * a write gives.
 */
class BuiltLayersTest {

    @TempDir
    Path dir;

    private SourceContent source(String name, String content) throws Exception {
        TarWriter tar = new TarWriter();
        tar.directory("usr/bin", 0755);
        tar.file("/usr/bin/app", content.getBytes(UTF_8), 0755);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar.finish());
        }
        byte[] blob = gz.toByteArray();
        Digest digest = Digest.sha256(blob);
        Path blobs = Files.createDirectories(dir.resolve(name).resolve("sha256"));
        Files.write(blobs.resolve(digest.hex()), blob);
        return SourceContent.read(List.of(new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, digest, blob.length)),
                BlobSource.directory(dir.resolve(name)), LayerLimits.defaults(), Set.of("/usr/bin/app"),
                Files.createDirectory(dir.resolve(name + "-spool")));
    }

    private static TreeMap<String, ProgramLayer.Entry> entries(int mode) {
        TreeMap<String, ProgramLayer.Entry> entries = new TreeMap<>();
        entries.put("/usr", new ProgramLayer.Entry("/usr", FileType.DIRECTORY, 0755, 0, 0, null, null));
        entries.put("/usr/bin", new ProgramLayer.Entry("/usr/bin", FileType.DIRECTORY, 0755, 0, 0, null, null));
        entries.put("/usr/bin/app", new ProgramLayer.Entry("/usr/bin/app", FileType.REGULAR, mode, 0, 0, null, null));
        return entries;
    }

    @Test
    void theKeyNamesContentModeAndOrderAndAHitGivesTheSameBlob() throws Exception {
        try (SourceContent one = source("one", "v1"); SourceContent same = source("same", "v1");
                SourceContent other = source("other", "v2")) {
            assertThat(BuiltLayers.key(entries(0755), same)).isEqualTo(BuiltLayers.key(entries(0755), one));
            assertThat(BuiltLayers.key(entries(0755), other)).as("other bytes").isNotEqualTo(BuiltLayers.key(entries(0755), one));
            assertThat(BuiltLayers.key(entries(0700), one)).as("another mode").isNotEqualTo(BuiltLayers.key(entries(0755), one));

            DiskCache cache = new DiskCache(dir.resolve("cache"), 1 << 20);
            WrittenLayer written = BuiltLayers.write(cache, entries(0755), one, dir.resolve("first.tar.gz"));
            WrittenLayer reused = BuiltLayers.write(cache, entries(0755), same, dir.resolve("second.tar.gz"));
            WrittenLayer plain = ProgramLayer.write(entries(0755), same, dir.resolve("plain.tar.gz"));
            assertThat(reused.digest()).isEqualTo(written.digest()).isEqualTo(plain.digest());
            assertThat(reused.diffId()).isEqualTo(plain.diffId());
            assertThat(reused.uncompressedSize()).isEqualTo(plain.uncompressedSize());
            assertThat(reused.entries()).isEqualTo(plain.entries());
            assertThat(Files.readAllBytes(reused.file())).isEqualTo(Files.readAllBytes(plain.file()));
            WrittenLayer changed = BuiltLayers.write(cache, entries(0755), other, dir.resolve("third.tar.gz"));
            assertThat(changed.digest()).isNotEqualTo(written.digest());
        }
    }
}
