package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.testing.ConformanceCorpus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The analyzer's per-layer facts cache on layers and images we did not make (the conformance corpus: GNU tar in every
 * format, bsdtar, Python's tarfile, busybox tar, umoci, skopeo, buildah): an analysis with an empty cache, one recalled
 * from it by a new analyzer on the same directory, and one without a cache give the same report and merged view
 * (every entry's type, mode, owner, size, link, layer, attributes and content) or the same error, the recalled one
 * without opening a blob for its pass; and a different blob below the layers (a new base) is read, is
 * never taken for what the cache holds, and gives the uncached analysis's report.
 */
class CorpusCachedAnalysisTest {

    private static final ImageAnalyzer UNCACHED = new ImageAnalyzer(ImageAnalyzer.Options.defaults());
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    /** The layer put below every case to change its lowest layer: GNU tar's PAX layer with ACLs, capabilities, SELinux. */
    private static final String NEW_BASE = "04";

    @TempDir
    Path dir;

    private static ConformanceCorpus corpus;

    @BeforeAll
    static void generate() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the corpus's source tree needs root (owners, devices, capabilities)");
        corpus = ConformanceCorpus.generate();
    }

    static Stream<ConformanceCorpus.Case> cases() throws Exception {
        generate();
        return corpus.cases().stream();
    }

    /** A blob source that notes which blobs the analysis opened (not the reads that describe its view afterwards). */
    private static final class Counting implements BlobSource {
        private final BlobSource inner;
        final List<Digest> opened = new ArrayList<>();
        boolean analysed;

        Counting(BlobSource inner) {
            this.inner = inner;
        }

        @Override
        public synchronized InputStream open(Descriptor blob) throws IOException {
            if (!analysed) {
                opened.add(blob.digest());
            }
            return inner.open(blob);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void emptyCacheRecalledCacheAndNoCacheGiveTheSameAnalysis(ConformanceCorpus.Case image) throws Exception {
        Path cacheDir = dir.resolve("cache");
        AnalysisReport.Subject subject = new AnalysisReport.Subject("conformance", "sha256:" + "c".repeat(64), "linux/amd64");

        Counting cold = new Counting(image.blobs());
        String first = outcome(UNCACHED.withCache(new DiskCache(cacheDir, 1L << 30)), image.layers(), cold, image, subject);
        // A new analyzer and cache on the same directory: what a restarted instance recalls.
        Counting warm = new Counting(image.blobs());
        String recalled = outcome(UNCACHED.withCache(new DiskCache(cacheDir, 1L << 30)), image.layers(), warm, image, subject);
        String plain = outcome(UNCACHED, image.layers(), image.blobs(), image, subject);

        same(image + ", with an empty cache", plain, first);
        same(image + ", recalled from the cache", plain, recalled);
        if (!plain.startsWith("failed")) {
            assertThat(warm.opened).as("blobs opened by the recalled analysis").isEmpty();
        }

        // A different blob for the lowest layer: the case's layers on top of a new base, and the case's own base
        // replaced by it. Both are read from the new blob and analysed as without the cache.
        Descriptor base = corpus.cases().stream().filter(c -> c.name().startsWith(NEW_BASE + " ")).findFirst().orElseThrow().layers().get(0);
        BlobSource both = blob -> blob.digest().equals(base.digest()) ? corpus.layerBlobs().open(blob) : image.blobs().open(blob);
        List<List<Descriptor>> changed = new ArrayList<>();
        List<Descriptor> below = new ArrayList<>(image.layers());
        below.add(0, base);
        changed.add(below);
        if (image.layers().size() > 1) {
            List<Descriptor> replaced = new ArrayList<>(image.layers());
            replaced.set(0, base);
            changed.add(replaced);
        }
        boolean baseKept = image.layers().get(0).digest().equals(base.digest());
        for (List<Descriptor> layers : changed) {
            if (layers.get(1).digest().equals(base.digest())) {
                continue;  // the case is the new base itself
            }
            Counting reads = new Counting(both);
            String changedCached = outcome(UNCACHED.withCache(new DiskCache(cacheDir, 1L << 30)), layers, reads, image, subject);
            String changedPlain = outcome(UNCACHED, layers, both, image, subject);
            same(image + ", a new lowest layer under " + (layers.size() - 1) + " layers, the others recalled", changedPlain, changedCached);
            if (!changedPlain.startsWith("failed")) {
                // The new base is read from its blob the first time (later it is a layer the cache knows by its own
                // digest); the replaced base is not part of the image, and nothing of it is used.
                if (!baseKept) {
                    assertThat(reads.opened).as("blobs opened").contains(base.digest());
                }
                if (!layers.contains(image.layers().get(0))) {
                    assertThat(reads.opened).as("blobs opened").doesNotContain(image.layers().get(0).digest());
                }
                baseKept = true;
            }
        }
    }

    /** Fails with the first lines that differ, not two whole reports. */
    private static void same(String what, String expected, String actual) {
        if (expected.equals(actual)) {
            return;
        }
        String[] e = expected.split("\n");
        String[] a = actual.split("\n");
        StringBuilder diff = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < Math.max(e.length, a.length) && shown < 12; i++) {
            String x = i < e.length ? e[i] : "(end)";
            String y = i < a.length ? a[i] : "(end)";
            if (!x.equals(y)) {
                diff.append("\n  line ").append(i + 1).append(": uncached ").append(x.strip()).append("\n  ").append(" ".repeat(String.valueOf(i + 1).length() + 6))
                        .append("cached   ").append(y.strip());
                shown++;
            }
        }
        throw new AssertionError(what + ": the report differs from the uncached analysis's (" + e.length + " vs " + a.length
                + " lines); first differences:" + diff);
    }

    /**
     * The report as canonical JSON without its time, then the merged view the analysis built (every entry with its
     * attributes and content hash, the whiteouts, the entries left out), or how the analysis failed.
     */
    private static String outcome(ImageAnalyzer analyzer, List<Descriptor> layers, BlobSource blobs, ConformanceCorpus.Case image,
            AnalysisReport.Subject subject) {
        try {
            LayeredFileSystem[] view = new LayeredFileSystem[1];
            AnalysisReport report = analyzer.analyze(layers, blobs, LayerLimits.defaults(), image.config(), subject, v -> view[0] = v);
            if (blobs instanceof Counting c) {
                c.analysed = true;
            }
            ObjectNode node = JSON.valueToTree(report);
            ((ObjectNode) node.get("stats")).remove("millis");
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n" + describe(view[0]);
        } catch (IOException | RuntimeException e) {
            return "failed: " + e;
        }
    }

    private static String describe(LayeredFileSystem view) throws IOException {
        Map<String, String> content = new TreeMap<>();
        List<FileEntry> regular = view.entries().filter(FileEntry::isRegular).toList();
        view.readAll(regular, (file, in) -> {
            MessageDigest sha = Digest.newSha256();
            byte[] buffer = new byte[64 * 1024];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
            content.put(file.path(), HexFormat.of().formatHex(sha.digest()));
        });
        StringBuilder out = new StringBuilder();
        view.entries().sorted(Comparator.comparing(FileEntry::path)).forEach(e -> {
            out.append("entry ").append(e.path()).append(' ').append(e.type()).append(' ').append(Integer.toOctalString(e.mode()))
                    .append(' ').append(e.uid()).append(':').append(e.gid()).append(" size ").append(e.size()).append(" link ")
                    .append(e.linkTarget()).append(" layer ").append(e.layerIndex()).append(' ').append(e.layerDigest())
                    .append(" content ").append(content.get(e.path()));
            e.xattrs().values().forEach((k, v) -> out.append(" xattr ").append(k).append('=').append(HexFormat.of().formatHex(v)));
            e.xattrs().texts().forEach((k, v) -> out.append(" text ").append(k).append('=').append(v.replace("\n", "\\n")));
            out.append('\n');
        });
        view.whiteouts().forEach(w -> out.append("whiteout ").append(w).append('\n'));
        view.unreadableEntries().forEach(u -> out.append("left out ").append(u).append('\n'));
        return out.toString();
    }
}
