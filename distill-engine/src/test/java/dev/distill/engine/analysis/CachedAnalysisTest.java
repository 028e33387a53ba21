package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.testing.TarWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An analysis that takes layers' own facts from the cache gives the very report of one that reads every blob, reads
 * only the blobs of layers it has not seen, and never uses what it kept of a layer for another layer.
 */
class CachedAnalysisTest {

    private static final ImageAnalyzer UNCACHED = new ImageAnalyzer(ImageAnalyzer.Options.defaults());
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @TempDir
    Path dir;

    /** A blob source that notes which blobs were opened. */
    private static final class Counting implements BlobSource {
        private final BlobSource inner;
        final List<Digest> opened = new ArrayList<>();

        Counting(BlobSource inner) {
            this.inner = inner;
        }

        @Override
        public synchronized InputStream open(Descriptor blob) throws IOException {
            opened.add(blob.digest());
            return inner.open(blob);
        }
    }

    @Test
    void theSeedImageAndItsNextReleaseGetTheReportsOfAnUncachedAnalysisReadingOnlyTheNewLayer() throws Exception {
        Fixtures.Built built = Fixtures.build("debian-php");
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        ImageAnalyzer cached = UNCACHED.withCache(new DiskCache(dir.resolve("cache"), 1L << 30));
        AnalysisReport.Subject subject = new AnalysisReport.Subject("debian-php", image.manifestDigest().toString(), "linux/amd64");

        Counting cold = new Counting(image.blobs());
        AnalysisReport first = cached.analyze(image.layers(), cold, LayerLimits.defaults(), image.config(), subject, null);
        Counting warm = new Counting(image.blobs());
        AnalysisReport again = cached.analyze(image.layers(), warm, LayerLimits.defaults(), image.config(), subject, null);

        // The first analysis read every blob as an uncached one does (OnePassAnalysisTest holds that to the two-pass
        // analysis); the second recalled every layer.
        assertThat(comparable(again)).isEqualTo(comparable(first));
        assertThat(again.stats().configFilesKept()).isEqualTo(first.stats().configFilesKept());
        assertThat(again.stats().configBytesKept()).isEqualTo(first.stats().configBytesKept());
        assertThat(cold.opened).containsAll(image.layers().stream().map(Descriptor::digest).toList());
        // Neither the pass nor the detectors' later reads (kept by where the bytes are) read a blob.
        assertThat(warm.opened).isEmpty();

        // The next release: the same image with a new top layer (the app's page changed).
        TarWriter app = new TarWriter();
        app.file("/var/www/html/index.php", "<?php echo \"Hello from release 2\";\n".getBytes(StandardCharsets.UTF_8), 0644);
        Path blobs = dir.resolve("blobs");
        List<Descriptor> release = new ArrayList<>(image.layers());
        release.add(layer(blobs, app.finish()));
        BlobSource both = blob -> Files.exists(blobs.resolve("sha256").resolve(blob.digest().hex()))
                ? BlobSource.directory(blobs).open(blob) : image.blobs().open(blob);
        Counting next = new Counting(both);
        AnalysisReport releasePlain = UNCACHED.analyze(release, both, LayerLimits.defaults(), image.config(), subject, null);
        AnalysisReport releaseCached = cached.analyze(release, next, LayerLimits.defaults(), image.config(), subject, null);
        // The release's report with every lower layer recalled is the uncached analysis's, to the byte.
        assertThat(comparable(releaseCached)).isEqualTo(comparable(releasePlain));
        assertThat(comparable(releaseCached)).isNotEqualTo(comparable(first));
        assertThat(next.opened).containsExactly(release.get(release.size() - 1).digest());
    }

    @Test
    void aChangedLowerLayerIsReadAgainAndWhatItsOldVersionHeldIsNotUsed() throws Exception {
        byte[] ls = Files.readAllBytes(Path.of("/usr/bin/ls"));
        byte[] cat = Files.readAllBytes(Path.of("/usr/bin/cat"));
        Path blobs = dir.resolve("blobs");
        Descriptor lowerOne = layer(blobs, lower(ls, "workers=1\n", "1.0").finish());
        Descriptor lowerTwo = layer(blobs, lower(cat, "workers=2\n", "2.0").finish());
        TarWriter upper = new TarWriter();
        upper.file("/usr/bin/app", "#!/bin/sh\nexec /usr/bin/tool-link\n".getBytes(StandardCharsets.UTF_8), 0755);
        upper.file("/usr/bin/.wh.gone", new byte[0], 0644);
        upper.file("/usr/bin/tool", "not an ELF file\n".getBytes(StandardCharsets.UTF_8), 0755);
        upper.file("/etc/extra.conf", "extra=1\n".getBytes(StandardCharsets.UTF_8), 0644);
        Descriptor top = layer(blobs, upper.finish());
        ImageConfig config = new ImageConfig(List.of("/usr/bin/tool-link"), List.of(), "", List.of("PATH=/usr/bin:/bin"),
                List.of(), "/", "", null, null);
        AnalysisReport.Subject subject = new AnalysisReport.Subject("test", "sha256:" + "a".repeat(64), "linux/amd64");
        ImageAnalyzer cached = UNCACHED.withCache(new DiskCache(dir.resolve("cache"), 1L << 30));
        BlobSource source = BlobSource.directory(blobs);

        AnalysisReport one = cached.analyze(List.of(lowerOne, top), source, LayerLimits.defaults(), config, subject, null);
        Counting reads = new Counting(source);
        AnalysisReport two = cached.analyze(List.of(lowerTwo, top), reads, LayerLimits.defaults(), config, subject, null);
        AnalysisReport twoPlain = UNCACHED.analyze(List.of(lowerTwo, top), source, LayerLimits.defaults(), config, subject, null);

        assertThat(comparable(two)).isEqualTo(comparable(twoPlain));
        assertThat(comparable(two)).isNotEqualTo(comparable(one));
        assertThat(reads.opened).contains(lowerTwo.digest()).doesNotContain(lowerOne.digest());
        assertThat(two.packages().packages()).singleElement().satisfies(p -> assertThat(p.version()).isEqualTo("2.0"));
        assertThat(one.packages().packages()).singleElement().satisfies(p -> assertThat(p.version()).isEqualTo("1.0"));
        // The hard link keeps the lower layer's ELF file, whose parse is that layer's: ls's in one, cat's in two.
        assertThat(two.binaries()).singleElement().satisfies(b -> assertThat(b.path()).isEqualTo("/usr/bin/tool-link"));
        assertThat(JSON.valueToTree(two.binaries()).toString()).isEqualTo(JSON.valueToTree(twoPlain.binaries()).toString());
    }

    @Test
    void aDamagedEntryIsRecomputedAndTheReportStaysTheSame() throws Exception {
        byte[] ls = Files.readAllBytes(Path.of("/usr/bin/ls"));
        Path blobs = dir.resolve("blobs");
        Descriptor lower = layer(blobs, lower(ls, "workers=1\n", "1.0").finish());
        ImageConfig config = new ImageConfig(List.of("/usr/bin/tool"), List.of(), "", List.of("PATH=/usr/bin:/bin"),
                List.of(), "/", "", null, null);
        AnalysisReport.Subject subject = new AnalysisReport.Subject("test", "sha256:" + "b".repeat(64), "linux/amd64");
        Path cacheDir = dir.resolve("cache");
        ImageAnalyzer cached = UNCACHED.withCache(new DiskCache(cacheDir, 1L << 30));
        BlobSource source = BlobSource.directory(blobs);
        AnalysisReport first = cached.analyze(List.of(lower), source, LayerLimits.defaults(), config, subject, null);
        try (Stream<Path> entries = Files.list(cacheDir.resolve("entries"))) {
            Path data = entries.findFirst().orElseThrow().resolve("data");
            byte[] bytes = Files.readAllBytes(data);
            bytes[bytes.length / 2] ^= 0x55;
            Files.write(data, bytes);
        }
        Counting reads = new Counting(source);
        AnalysisReport again = cached.analyze(List.of(lower), reads, LayerLimits.defaults(), config, subject, null);
        assertThat(comparable(again)).isEqualTo(comparable(first));
        assertThat(reads.opened).contains(lower.digest());
    }

    private static TarWriter lower(byte[] elf, String conf, String version) {
        TarWriter lower = new TarWriter();
        lower.file("/usr/bin/app", elf, 0755);
        lower.file("/usr/bin/gone", elf, 0755);
        lower.file("/etc/app.conf", conf.getBytes(StandardCharsets.UTF_8), 0644);
        lower.file("/var/lib/dpkg/status", ("Package: base\nVersion: " + version + "\nStatus: install ok installed\n")
                .getBytes(StandardCharsets.UTF_8), 0644);
        lower.file("/usr/bin/tool", elf, 0755);
        lower.hardlink("/usr/bin/tool-link", "/usr/bin/tool");
        return lower;
    }

    private static Descriptor layer(Path dir, byte[] tar) throws IOException {
        return Fixtures.gzipLayer(dir, tar);
    }

    /** The report without its statistics' time. */
    private static ObjectNode comparable(AnalysisReport report) {
        ObjectNode node = JSON.valueToTree(report);
        ((ObjectNode) node.get("stats")).remove("millis");
        return node;
    }
}
