package dev.distill.engine.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.budget.ParallelTasks;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps documents (analysis reports, plans) in a registry as OCI artifacts: the document is a blob, anchored
 * by an untagged artifact manifest so registry garbage collection keeps it. The registry is already shared,
 * durable and content-addressed, so every service instance can fetch what another stored, by digest.
 * Untagged pushes never start a migration (intake skips manifest pushes without a tag).
 */
public final class ArtifactStore {

    /** The OCI "empty" config descriptor's content, used by artifacts that have no config. */
    static final byte[] EMPTY_CONFIG = "{}".getBytes(StandardCharsets.UTF_8);
    static final String EMPTY_CONFIG_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient client;
    private final ImageReference repository;

    /** @param repository where the artifacts go, e.g. {@code 127.0.0.1:5000/distill/reports} (tag ignored) */
    public ArtifactStore(RegistryClient client, ImageReference repository) {
        this.client = client;
        this.repository = repository;
    }

    /** Where one document is: fetch it with {@link #get}. */
    public record StoredArtifact(ImageReference repository, Digest manifestDigest, Digest blobDigest, long size) {

        /** {@code registry/repository@<blob digest>}: what events carry as the document's location. */
        public String location() {
            return repository.repositoryLocation() + "@" + blobDigest;
        }
    }

    public StoredArtifact put(String artifactType, String mediaType, byte[] content, Map<String, String> annotations)
            throws RegistryException {
        Digest blob = Digest.sha256(content);
        pushContent(client, new PushedBlobs(), repository, content);
        byte[] body = manifest(artifactType, mediaType, blob, content.length, annotations, null);
        // Untagged on purpose: pushed by digest, so no tag moves and intake ignores the notification.
        ImageReference byDigest = new ImageReference(repository.registry(), repository.repository(), null, Digest.sha256(body));
        Digest manifestDigest = client.pushManifest(byDigest, MediaTypes.OCI_MANIFEST, body);
        return new StoredArtifact(repository, manifestDigest, blob, content.length);
    }

    /**
     * Pushes the empty config and the content blob, each unless the repository has it already (or {@code blobs}
     * knows it does), both at once.
     */
    static void pushContent(RegistryClient client, PushedBlobs blobs, ImageReference repository, byte[] content)
            throws RegistryException {
        ParallelTasks.all("distill-push-artifact", 2, List.<ParallelTasks.Task<Void, RegistryException>>of(
                () -> push(client, blobs, repository, EMPTY_CONFIG),
                () -> push(client, blobs, repository, content)));
    }

    /**
     * An artifact manifest (OCI image manifest 1.1 form): {@code artifactType}, the empty config, one layer with the
     * content and, for an artifact about an image, its {@code subject}.
     */
    static byte[] manifest(String artifactType, String mediaType, Digest blob, long size, Map<String, String> annotations,
            Descriptor subject) {
        ObjectNode manifest = JSON.createObjectNode();
        manifest.put("schemaVersion", 2);
        manifest.put("mediaType", MediaTypes.OCI_MANIFEST);
        manifest.put("artifactType", artifactType);
        manifest.set("config", ManifestJson.descriptor(EMPTY_CONFIG_MEDIA_TYPE, Digest.sha256(EMPTY_CONFIG), EMPTY_CONFIG.length));
        ArrayNode layers = manifest.putArray("layers");
        layers.add(ManifestJson.descriptor(mediaType, blob, size));
        if (subject != null) {
            manifest.set("subject", ManifestJson.descriptor(subject.mediaType(), subject.digest(), subject.size()));
        }
        if (annotations != null && !annotations.isEmpty()) {
            ObjectNode a = manifest.putObject("annotations");
            new TreeMap<>(annotations).forEach(a::put);
        }
        try {
            return JSON.writeValueAsBytes(manifest);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write an artifact manifest", e);
        }
    }

    /**
     * Reads a stored document back, verifying its digest.
     *
     * @throws IOException when it is larger than {@code maxBytes}, or its content does not match its digest
     */
    public byte[] get(StoredArtifact artifact, int maxBytes) throws RegistryException, IOException {
        try (InputStream in = client.openBlob(artifact.repository(), artifact.blobDigest())) {
            byte[] bytes = in.readNBytes(maxBytes + 1);
            if (bytes.length > maxBytes) {
                throw new IOException("artifact " + artifact.location() + " is larger than " + maxBytes + " bytes");
            }
            Digest actual = Digest.sha256(bytes);
            if (!actual.equals(artifact.blobDigest())) {
                throw new DigestMismatchException("artifact " + artifact.location() + " has digest " + actual,
                        artifact.blobDigest(), actual);
            }
            return bytes;
        }
    }

    private static Void push(RegistryClient client, PushedBlobs blobs, ImageReference repository, byte[] content)
            throws RegistryException {
        Digest digest = Digest.sha256(content);
        blobs.ensure(client, repository, digest,
                () -> client.pushBlob(repository, digest, content.length, () -> new ByteArrayInputStream(content)));
        return null;
    }
}
