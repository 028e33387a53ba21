package dev.distill.verifier.config;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.structure.StructureTestYaml;
import dev.distill.pipeline.intake.RepositoryFilter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The structure-test suites users supply for a source: files configured per repository glob, and a file inside
 * the source image named by its label. A suite that cannot be read or parsed is an error with its name: a user
 * who wrote tests wants to hear that they did not run, not a quiet pass.
 */
final class StructureTestSource {

    private static final int MAX_SUITE_BYTES = 1 << 20;

    private final Map<String, String> configured;
    private final String label;
    private final RegistryClient client;

    StructureTestSource(Map<String, String> configured, String label, RegistryClient client) {
        this.configured = configured;
        this.label = label;
        this.client = client;
    }

    List<StructureTestSuite> suitesFor(String source, String sourceDigest, Platform platform) throws IOException {
        List<StructureTestSuite> suites = new ArrayList<>();
        ImageReference reference = ImageReference.parse(source);
        for (Map.Entry<String, String> e : configured.entrySet()) {
            if (new RepositoryFilter(List.of(e.getKey()), List.of()).accepts(reference.repository())) {
                Path file = Path.of(e.getValue());
                suites.add(parse(Files.readString(file, StandardCharsets.UTF_8), "configured suite " + file));
            }
        }
        labelledSuite(reference.withDigest(dev.distill.engine.image.Digest.parse(sourceDigest)), platform)
                .ifPresent(suites::add);
        return suites;
    }

    private Optional<StructureTestSuite> labelledSuite(ImageReference pinned, Platform platform) throws IOException {
        ResolvedImage image;
        try {
            image = client.resolve(pinned, platform);
        } catch (RegistryException e) {
            throw new IOException("cannot read the source's labels: " + e.getMessage(), e);
        }
        String path = image.imageConfig().labels() == null ? null : image.imageConfig().labels().get(label);
        if (path == null || path.isBlank()) {
            return Optional.empty();
        }
        LayeredFileSystem fs = LayeredFileSystem.build(image, client, LayerLimits.defaults());
        Optional<FileEntry> file = fs.resolve(path);
        if (file.isEmpty() || !file.get().isRegular()) {
            throw new IOException("the source's label " + label + " names " + path + ", which is not a file in the source image");
        }
        return Optional.of(parse(new String(fs.read(file.get(), MAX_SUITE_BYTES), StandardCharsets.UTF_8),
                "suite " + path + " named by the label " + label));
    }

    private static StructureTestSuite parse(String yaml, String what) throws IOException {
        try {
            return StructureTestYaml.parse(yaml);
        } catch (IllegalArgumentException e) {
            throw new IOException(what + " is not a valid structure-test suite: " + e.getMessage(), e);
        }
    }
}
