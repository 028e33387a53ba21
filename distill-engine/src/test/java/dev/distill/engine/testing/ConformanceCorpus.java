package dev.distill.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layout.OciLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The layer conformance corpus (fixtures/conformance/corpus.sh): layers and images written by real tools, generated
 * once per machine (cached by key in {@code $DISTILL_FIXTURE_CACHE/conformance}). Needs root.
 */
public final class ConformanceCorpus {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static ConformanceCorpus generated;

    /**
     * One corpus case as an image: a single layer of the corpus (a one-layer image with an empty config), or one of
     * its images (layers and config from its OCI layout).
     *
     * @param name the corpus id, the tool and what the case holds
     * @param layers bottom layer first
     */
    public record Case(String name, List<Descriptor> layers, BlobSource blobs, ImageConfig config) {
        @Override
        public String toString() {
            return name;
        }
    }

    private final Path directory;
    private final JsonNode index;

    private ConformanceCorpus(Path directory, JsonNode index) {
        this.directory = directory;
        this.index = index;
    }

    /** Generates the corpus or finds it in the cache. */
    public static synchronized ConformanceCorpus generate() throws IOException, InterruptedException {
        if (generated != null) {
            return generated;
        }
        Path script = FixtureImages.repoRoot().resolve("fixtures/conformance/corpus.sh");
        Path log = Files.createTempFile("conformance", ".log");
        Process p = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("fixtures/conformance/corpus.sh failed: " + Files.readString(log));
        }
        Path corpus = null;
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("corpus=")) {
                corpus = Path.of(line.substring("corpus=".length()));
            }
        }
        Files.deleteIfExists(log);
        if (corpus == null) {
            throw new IllegalStateException("fixtures/conformance/corpus.sh did not say where the corpus is");
        }
        generated = new ConformanceCorpus(corpus, JSON.readTree(corpus.resolve("index.json").toFile()));
        return generated;
    }

    public Path directory() {
        return directory;
    }

    /** index.json: every layer and image with what its tool's side says it holds. */
    public JsonNode index() {
        return index;
    }

    /** The blobs of the corpus's single layers. */
    public BlobSource layerBlobs() {
        return BlobSource.directory(directory.resolve("blobs"));
    }

    /** Every single layer as a one-layer image, then every image, in the index's order. */
    public List<Case> cases() throws IOException {
        List<Case> out = new ArrayList<>();
        for (JsonNode l : index.path("layers")) {
            out.add(new Case(name(l), List.of(descriptor(l)), layerBlobs(), ImageConfig.EMPTY));
        }
        for (JsonNode i : index.path("images")) {
            OciLayout.LayoutImage image = OciLayout.open(Path.of(i.path("layout").asText())).image(i.path("tag").asText());
            out.add(new Case(name(i), image.layers(), image.blobs(), image.config()));
        }
        return out;
    }

    /** A single layer's descriptor, as index.json lists it. */
    public static Descriptor descriptor(JsonNode layer) {
        return new Descriptor(layer.path("mediaType").asText(), Digest.parse(layer.path("digest").asText()), layer.path("size").asLong());
    }

    /** A layer's or image's name in test reports: id, tool, features. */
    public static String name(JsonNode node) {
        return node.path("id").asText() + " " + node.path("tool").asText() + ": " + node.path("features").asText();
    }
}
