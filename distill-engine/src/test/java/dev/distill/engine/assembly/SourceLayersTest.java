package dev.distill.engine.assembly;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.testing.TarWriter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The source's layers through the cache: a build that carries what an earlier one carried reads no blob; one that
 * carries more reads the layers those files are in once, and keeps them for the next; a changed layer is read anew.
 */
class SourceLayersTest {

    @TempDir
    Path dir;

    private final List<Digest> opened = new ArrayList<>();

    private Descriptor layer(TarWriter tar) throws Exception {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar.finish());
        }
        byte[] blob = gz.toByteArray();
        Digest digest = Digest.sha256(blob);
        Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.write(dir.resolve("blobs/sha256").resolve(digest.hex()), blob);
        return new Descriptor(MediaTypes.OCI_LAYER_TAR_GZIP, digest, blob.length);
    }

    private String read(DiskCache cache, List<Descriptor> layers, Set<String> wanted, String path) throws Exception {
        BlobSource blobs = blob -> {
            opened.add(blob.digest());
            return BlobSource.directory(dir.resolve("blobs")).open(blob);
        };
        Path spool = Files.createTempDirectory(dir, "spool");
        try (SourceContent content = SourceContent.read(layers, blobs, LayerLimits.defaults(), wanted, spool, cache);
                InputStream in = content.open(path)) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    @Test
    void onlyWhatNoBuildKeptIsReadAndAChangedLayerIsReadAnew() throws Exception {
        TarWriter base = new TarWriter();
        base.file("/usr/lib/liba.so", "liba".getBytes(UTF_8), 0644);
        base.file("/usr/lib/libb.so", "libb".getBytes(UTF_8), 0644);
        Descriptor lower = layer(base);
        TarWriter app = new TarWriter();
        app.file("/srv/app", "app 1".getBytes(UTF_8), 0755);
        Descriptor top = layer(app);
        DiskCache cache = new DiskCache(dir.resolve("cache"), 1 << 20);

        assertThat(read(cache, List.of(lower, top), Set.of("/usr/lib/liba.so", "/srv/app"), "/srv/app")).isEqualTo("app 1");
        assertThat(opened).containsExactly(lower.digest(), top.digest());
        opened.clear();
        assertThat(read(cache, List.of(lower, top), Set.of("/usr/lib/liba.so", "/srv/app"), "/usr/lib/liba.so")).isEqualTo("liba");
        assertThat(opened).as("everything kept").isEmpty();

        // A plan that carries one more file of the lower layer reads that layer once, then no more.
        assertThat(read(cache, List.of(lower, top), Set.of("/usr/lib/liba.so", "/usr/lib/libb.so"), "/usr/lib/libb.so"))
                .isEqualTo("libb");
        assertThat(opened).containsExactly(lower.digest());
        opened.clear();
        assertThat(read(cache, List.of(lower, top), Set.of("/usr/lib/libb.so"), "/usr/lib/libb.so")).isEqualTo("libb");
        assertThat(opened).isEmpty();

        // A changed lower layer (another digest) is read; what was kept of the old one is not used.
        TarWriter changed = new TarWriter();
        changed.file("/usr/lib/liba.so", "liba 2".getBytes(UTF_8), 0644);
        Descriptor lowerTwo = layer(changed);
        assertThat(read(cache, List.of(lowerTwo, top), Set.of("/usr/lib/liba.so", "/srv/app"), "/usr/lib/liba.so"))
                .isEqualTo("liba 2");
        assertThat(opened).containsExactly(lowerTwo.digest());
    }
}
