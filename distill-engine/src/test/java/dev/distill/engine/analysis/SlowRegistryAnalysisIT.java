package dev.distill.engine.analysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.cache.DiskCache;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerException;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.TransferLimits;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import dev.distill.engine.testing.TricklingRegistryFront;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case met end to end, with a real registry and the registry client's own transfer bounds: a layer whose facts
 * the cache holds (another image's analysis kept them) is recalled, the loader's later read of the entrypoint goes to
 * a registry that trickles the layer at a byte per second, and the analysis fails with the client's message (the
 * blob, the minimum rate, the bytes done) instead of recording the program as unreadable. The abandoned transfer
 * closed its connection; with its registry healthy, the image's analysis from the cache is an uncached one's.
 */
class SlowRegistryAnalysisIT {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final AnalysisReport.Subject SUBJECT = new AnalysisReport.Subject("test", "sha256:" + "e".repeat(64),
            "linux/amd64");

    @TempDir
    Path dir;

    private static ImageConfig config(List<String> entrypoint) {
        return new ImageConfig(entrypoint, List.of(), "", List.of("PATH=/usr/bin:/bin"), List.of(), "/", "", null, null);
    }

    @Test
    void aRecalledLayerWhoseRegistryTricklesWhenTheEntrypointIsReadFailsTheAnalysisNamingTheTransfer() throws Exception {
        byte[] noise = new byte[2 << 20];
        new Random(12).nextBytes(noise);
        TinyImage image = TinyImage.builder().platform(Platform.LINUX_AMD64).file("/noise", noise, 0755)
                .entrypoint("/noise").build();
        try (LocalRegistry registry = LocalRegistry.start();
                TricklingRegistryFront front = TricklingRegistryFront.start(registry.host())) {
            image.push(registry.client(), registry.reference("slow/noise:1"));
            Descriptor layer = image.layerDescriptor();
            List<Descriptor> layers = List.of(layer);
            BlobSource direct = BlobSource.registry(registry.client(), registry.reference("slow/noise:1"));
            ImageAnalyzer uncached = new ImageAnalyzer(ImageAnalyzer.Options.defaults());
            ImageAnalyzer cached = uncached.withCache(new DiskCache(dir.resolve("cache"), 1L << 30));

            // Another image of the same layer, running nothing from it: its analysis keeps the layer's facts only.
            cached.analyze(layers, direct, LayerLimits.defaults(), config(List.of()), SUBJECT, null);

            front.trickle(layer.digest(), 1);
            RegistryClient impatient = RegistryClient.builder()
                    .transferLimits(TransferLimits.DEFAULTS.withMinThroughput(16 * 1024, Duration.ofSeconds(2))).build();
            BlobSource trickling = BlobSource.registry(impatient, ImageReference.parse(front.host() + "/slow/noise:1"));
            assertThatThrownBy(() -> cached.analyze(layers, trickling, LayerLimits.defaults(), config(List.of("/noise")),
                    SUBJECT, null))
                    .isInstanceOfSatisfying(LayerException.class,
                            e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.UNAVAILABLE))
                    .hasMessageContaining(layer.digest().toString())
                    .hasMessageContaining("slower than the minimum of 16.0 KiB/s")
                    .hasMessageContaining("of 2.0 MiB");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (front.tricklesAbandoned() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(50); // polling a condition: the front notices the hang-up on its own thread
            }
            assertThat(front.tricklesAbandoned()).as("the client closed the slow connection").isEqualTo(1);
            assertThat(impatient.openTransfers()).isZero();

            AnalysisReport again = cached.analyze(layers, direct, LayerLimits.defaults(), config(List.of("/noise")),
                    SUBJECT, null);
            AnalysisReport plain = uncached.analyze(layers, direct, LayerLimits.defaults(), config(List.of("/noise")),
                    SUBJECT, null);
            assertThat(comparable(again)).isEqualTo(comparable(plain));
        }
    }

    private static ObjectNode comparable(AnalysisReport report) {
        ObjectNode node = JSON.valueToTree(report);
        ((ObjectNode) node.get("stats")).remove("millis");
        return node;
    }
}
