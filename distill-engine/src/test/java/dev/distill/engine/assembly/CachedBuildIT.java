package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.registry.ImageUpload;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Builds with a cache: the same source built again reads none of its layers and gives the same images; the next
 * release (a new top layer) reads only that layer, reuses every program layer whose inputs it did not change, and
 * gives the images a build without the cache gives.
 */
class CachedBuildIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static AssemblyRig rig;

    @BeforeAll
    static void start() throws Exception {
        rig = AssemblyRig.get();
    }

    /** A blob source that notes which blobs were opened. */
    private static final class Counting implements BlobSource {
        private final BlobSource inner;
        final List<Digest> opened = Collections.synchronizedList(new ArrayList<>());

        Counting(BlobSource inner) {
            this.inner = inner;
        }

        @Override
        public InputStream open(Descriptor blob) throws IOException {
            opened.add(blob.digest());
            return inner.open(blob);
        }
    }

    @Test
    void aSecondBuildAndTheNextReleaseReuseTheSourcesLayersAndTheBuiltLayers() throws Exception {
        DiskCache cache = new DiskCache(Files.createTempDirectory(rig.work, "cache"), 1L << 30);
        ImageAssembler cached = new ImageAssembler(rig.client, rig.bases, TagScheme.defaults(), LayerLimits.defaults(), "test",
                rig.work, null, cache);
        AssemblyRig.Analysed one = rig.analyse("fixtures/php:1");

        ImageAssembler.Assembly first = cached.assemble(source(one, null));
        Counting reads = new Counting(BlobSource.registry(rig.client, one.image().pinnedReference()));
        ImageAssembler.Assembly again = cached.assemble(source(one, reads));
        assertThat(digests(again)).isEqualTo(digests(first));
        assertThat(reads.opened).as("no source layer read: indexes and carried files from the cache").isEmpty();

        ResolvedImage release = pushRelease(one.image());
        AssemblyRig.Analysed two = analyse(release);
        Counting releaseReads = new Counting(BlobSource.registry(rig.client, release.pinnedReference()));
        ImageAssembler.Assembly next = cached.assemble(source(two, releaseReads));
        ImageAssembler.Assembly plain = rig.assembler().assemble(source(two, null));

        assertThat(digests(next)).as("the same images as without the cache").isEqualTo(digests(plain));
        assertThat(Set.copyOf(releaseReads.opened)).containsExactly(release.layers().get(release.layers().size() - 1).digest());
        Set<String> before = layerDigests(first);
        List<String> reused = layerDigests(next).stream().filter(before::contains).toList();
        assertThat(reused).as("program layers the release did not change keep their digests").isNotEmpty();
        for (ImageAssembler.ProgramImage image : next.images()) {
            for (JsonNode layer : JSON.readTree(image.pushed().manifest()).path("layers")) {
                System.out.println("release layer " + image.program() + " " + layer.path("digest").asText() + " "
                        + layer.path("size").asLong() + (before.contains(layer.path("digest").asText()) ? " reused" : " NEW"));
            }
        }
    }

    private ImageAssembler.Source source(AssemblyRig.Analysed a, BlobSource blobs) {
        ImageAssembler.Source s = rig.source(a, a.plan(), a.image().reference().tag());
        return blobs == null ? s : new ImageAssembler.Source(a.image(), blobs, s.sourceTag(), s.plan(), s.surface(),
                s.repairs(), s.packages());
    }

    private static List<Digest> digests(ImageAssembler.Assembly a) {
        return a.images().stream().map(i -> i.pushed().manifestDigest()).toList();
    }

    /** The digests of every non-base layer of the assembly's images. */
    private static Set<String> layerDigests(ImageAssembler.Assembly a) throws IOException {
        Set<String> out = new TreeSet<>();
        for (ImageAssembler.ProgramImage image : a.images()) {
            for (JsonNode layer : JSON.readTree(image.pushed().manifest()).path("layers")) {
                out.add(layer.path("digest").asText());
            }
        }
        return out;
    }

    /** Tag 2 of the fixture: its layers and config, and one more layer with a new index.php (the app's release). */
    private static ResolvedImage pushRelease(ResolvedImage one) throws Exception {
        Path layerFile = Files.createTempFile(rig.work, "release", ".tar.gz");
        WrittenLayer top;
        try (LayerWriter w = new LayerWriter(layerFile)) {
            w.directory("/var", 0755, 0, 0);
            w.directory("/var/www", 0755, 33, 33);
            w.directory("/var/www/html", 0755, 33, 33);
            w.file("/var/www/html/index.php", 0644, 33, 33,
                    "<?php echo \"Hello from release 2 of PHP \" . PHP_VERSION . \"\\n\";\n".getBytes(StandardCharsets.UTF_8));
            top = w.finish();
        }
        ObjectNode config;
        try (InputStream in = rig.client.openBlob(one.pinnedReference(), one.config())) {
            config = (ObjectNode) JSON.readTree(in);
        }
        List<ImageUpload.Layer> layers = new ArrayList<>();
        JsonNode diffIds = config.path("rootfs").path("diff_ids");
        for (int i = 0; i < one.layers().size(); i++) {
            layers.add(ImageUpload.Layer.existing(one.layers().get(i), Digest.parse(diffIds.get(i).asText()), one.pinnedReference()));
        }
        layers.add(top.upload());
        ImageReference target = rig.registry.reference("fixtures/php:2");
        ImageUpload upload = new ImageUpload(rig.client);
        upload.tag(upload.push(target, layers, config, Map.of()), "2");
        return rig.client.resolve(target, Platform.LINUX_AMD64);
    }

    private static AssemblyRig.Analysed analyse(ResolvedImage image) throws Exception {
        BlobSource blobs = BlobSource.registry(rig.client, image.pinnedReference());
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(image.layers(), blobs,
                LayerLimits.defaults(), image.imageConfig(), new AnalysisReport.Subject(image.reference().toString(),
                        image.pushedDigest().toString(), "linux/amd64"), null);
        return new AssemblyRig.Analysed(image, report, LayeredFileSystem.build(image, rig.client, LayerLimits.defaults()));
    }
}
