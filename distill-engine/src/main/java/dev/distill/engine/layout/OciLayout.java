package dev.distill.engine.layout;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.layer.BlobSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An OCI image layout directory, read-only. */
public final class OciLayout {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_JSON_BYTES = 4L << 20;

    private final Path root;

    private OciLayout(Path root) {
        this.root = root;
    }

    public static OciLayout open(Path root) throws IOException {
        if (!Files.isRegularFile(root.resolve("oci-layout")) || !Files.isRegularFile(root.resolve("index.json"))) {
            throw new IOException(root + " is not an OCI image layout (no oci-layout or index.json)");
        }
        return new OciLayout(root);
    }

    /** One single-platform image of the layout. */
    public record LayoutImage(Digest manifestDigest, ImageConfig config, List<Descriptor> layers, BlobSource blobs) {
        public LayoutImage {
            layers = List.copyOf(layers);
        }
    }

    /** The image whose {@code org.opencontainers.image.ref.name} annotation is {@code tag}. */
    public LayoutImage image(String tag) throws IOException {
        JsonNode index = json(root.resolve("index.json"));
        for (JsonNode m : index.path("manifests")) {
            if (tag.equals(m.path("annotations").path("org.opencontainers.image.ref.name").asText())) {
                if (!MediaTypes.isManifest(m.path("mediaType").asText())) {
                    throw new IOException("tag " + tag + " of " + root + " is a " + m.path("mediaType").asText()
                            + ", not a single-platform manifest");
                }
                return load(Digest.parse(m.path("digest").asText()));
            }
        }
        throw new IOException("no image tagged '" + tag + "' in " + root);
    }

    private LayoutImage load(Digest manifestDigest) throws IOException {
        JsonNode manifest = json(blob(manifestDigest));
        Digest configDigest = Digest.parse(manifest.path("config").path("digest").asText());
        ImageConfig config = ImageConfig.parse(read(blob(configDigest), configDigest));
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode l : manifest.path("layers")) {
            layers.add(new Descriptor(l.path("mediaType").asText(), Digest.parse(l.path("digest").asText()),
                    l.path("size").asLong()));
        }
        return new LayoutImage(manifestDigest, config, layers, BlobSource.directory(root.resolve("blobs")));
    }

    private Path blob(Digest digest) {
        return root.resolve("blobs").resolve(digest.algorithm()).resolve(digest.hex());
    }

    private static byte[] read(Path file, Digest expected) throws IOException {
        if (Files.size(file) > MAX_JSON_BYTES) {
            throw new IOException(file + " is larger than " + MAX_JSON_BYTES + " bytes");
        }
        byte[] bytes = Files.readAllBytes(file);
        if (!Digest.sha256(bytes).equals(expected)) {
            throw new IOException(file + " does not match its digest " + expected);
        }
        return bytes;
    }

    private static JsonNode json(Path file) throws IOException {
        String name = file.getFileName().toString();
        byte[] bytes = name.equals("index.json") ? Files.readAllBytes(file) : read(file, new Digest("sha256", name));
        return JSON.readTree(bytes);
    }
}
