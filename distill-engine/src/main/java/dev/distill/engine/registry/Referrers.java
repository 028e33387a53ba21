package dev.distill.engine.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.budget.ParallelTasks;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Artifacts about an image (an SBOM, a signature) attached to it as OCI referrers: an artifact manifest whose
 * {@code subject} is the image's manifest, pushed by digest into the image's repository. A registry with the
 * referrers API (OCI distribution 1.1) indexes it itself and says so with {@code OCI-Subject}; for one without
 * (Debian's docker-registry 2.8) the referrers tag schema is kept as the specification says: an index under the
 * tag {@code <alg>-<hex>} of the subject's digest lists every referrer, and this class adds to it.
 *
 * <p>The fallback index is read, extended and written back; two writers attaching to the same image at once could
 * lose one entry (the registry has no compare-and-set). A builder attaches to each image it built once, all its
 * artifacts in one {@link #attachAll}: their blobs and manifests go up at once, and the index is written once, by
 * that one caller.
 */
public final class Referrers {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryClient client;
    private final PushedBlobs blobs;

    public Referrers(RegistryClient client) {
        this(client, new PushedBlobs());
    }

    /** @param blobs what the work the artifacts belong to has made sure of already (the empty config, say) */
    public Referrers(RegistryClient client, PushedBlobs blobs) {
        this.client = Objects.requireNonNull(client, "client");
        this.blobs = Objects.requireNonNull(blobs, "blobs");
    }

    /** One artifact to attach: its type, its content's media type, the content and the manifest's annotations. */
    public record Artifact(String artifactType, String mediaType, byte[] content, Map<String, String> annotations) {

        public Artifact {
            Objects.requireNonNull(content, "content");
        }
    }

    /**
     * An attached artifact.
     *
     * @param repository where it is (the subject's repository)
     * @param indexedByRegistry true when the registry's referrers API lists it; false when the tag schema does
     */
    public record Attached(ImageReference repository, Digest manifestDigest, long manifestSize, Digest blobDigest, long size,
            String artifactType, boolean indexedByRegistry) {

        /** {@code registry/repository@<blob digest>}: the artifact's content. */
        public String location() {
            return repository.repositoryLocation() + "@" + blobDigest;
        }
    }

    /** One referrer of an image: its manifest and what kind of artifact it is. */
    public record Referrer(Digest manifestDigest, long size, String artifactType, Map<String, String> annotations) {

        public Referrer {
            annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        }
    }

    /** The tag the referrers tag schema keeps an image's referrers under: {@code sha256-<hex>}. */
    public static String fallbackTag(Digest subject) {
        String tag = subject.algorithm() + "-" + subject.hex();
        return tag.length() > 128 ? tag.substring(0, 128) : tag;
    }

    /**
     * Pushes {@code content} as an artifact about {@code subject} (an image manifest in {@code repository}) and makes
     * it discoverable. Pushing the same content again changes nothing.
     *
     * @param subject the image's manifest: its media type, digest and size
     */
    public Attached attach(ImageReference repository, Descriptor subject, String artifactType, String mediaType,
            byte[] content, Map<String, String> annotations) throws RegistryException {
        return attachAll(repository, subject, List.of(new Artifact(artifactType, mediaType, content, annotations))).get(0);
    }

    /**
     * {@link #attach} for several artifacts about one subject: their blobs and manifests pushed at once, then the
     * ones the registry did not index itself added to the fallback index in one write, in the given order (the index
     * ends as one {@code attach} after another leaves it).
     */
    public List<Attached> attachAll(ImageReference repository, Descriptor subject, List<Artifact> artifacts)
            throws RegistryException {
        ImageReference repo = new ImageReference(repository.registry(), repository.repository(), null, null);
        List<ParallelTasks.Task<Attached, RegistryException>> pushes = new ArrayList<>();
        for (Artifact a : artifacts) {
            pushes.add(() -> push(repo, subject, a));
        }
        List<Attached> attached = ParallelTasks.all("distill-push-referrers", ImageUpload.BLOBS_AT_ONCE, pushes);
        List<Referrer> unindexed = new ArrayList<>();
        for (int i = 0; i < artifacts.size(); i++) {
            Attached a = attached.get(i);
            if (!a.indexedByRegistry()) {
                unindexed.add(new Referrer(a.manifestDigest(), a.manifestSize(), a.artifactType(),
                        artifacts.get(i).annotations()));
            }
        }
        if (!unindexed.isEmpty()) {
            addToFallbackIndex(repo, subject.digest(), unindexed);
        }
        return attached;
    }

    private Attached push(ImageReference repo, Descriptor subject, Artifact a) throws RegistryException {
        ArtifactStore.pushContent(client, blobs, repo, a.content());
        Digest blob = Digest.sha256(a.content());
        byte[] manifest = ArtifactStore.manifest(a.artifactType(), a.mediaType(), blob, a.content().length, a.annotations(),
                subject);
        Digest manifestDigest = Digest.sha256(manifest);
        RegistryClient.PushedManifest pushed = client.putManifest(
                new ImageReference(repo.registry(), repo.repository(), null, manifestDigest), MediaTypes.OCI_MANIFEST, manifest);
        boolean indexed = pushed.subject().map(subject.digest()::equals).orElse(false);
        return new Attached(repo, manifestDigest, manifest.length, blob, a.content().length, a.artifactType(), indexed);
    }

    /**
     * The referrers of {@code subject} in {@code repository}, from the referrers API or else the tag schema; only
     * those of {@code artifactType} when it is not null. Empty when there are none.
     */
    public List<Referrer> list(ImageReference repository, Digest subject, String artifactType) throws RegistryException {
        ImageReference repo = new ImageReference(repository.registry(), repository.repository(), null, null);
        Optional<byte[]> index = client.referrers(repo, subject);
        if (index.isEmpty()) {
            index = client.manifestIfExists(new ImageReference(repo.registry(), repo.repository(), fallbackTag(subject), null));
        }
        if (index.isEmpty()) {
            return List.of();
        }
        return parse(index.get(), repo, subject).stream()
                .filter(r -> artifactType == null || artifactType.equals(r.artifactType())).toList();
    }

    private void addToFallbackIndex(ImageReference repo, Digest subject, List<Referrer> added) throws RegistryException {
        ImageReference tag = new ImageReference(repo.registry(), repo.repository(), fallbackTag(subject), null);
        List<Referrer> referrers = new ArrayList<>();
        Optional<byte[]> existing = client.manifestIfExists(tag);
        if (existing.isPresent()) {
            referrers.addAll(parse(existing.get(), repo, subject));
        }
        int before = referrers.size();
        for (Referrer a : added) {
            if (referrers.stream().noneMatch(r -> r.manifestDigest().equals(a.manifestDigest()))) {
                referrers.add(a);
            }
        }
        if (referrers.size() == before) {
            return;
        }
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", MediaTypes.OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        for (Referrer r : referrers) {
            ObjectNode d = ManifestJson.descriptor(MediaTypes.OCI_MANIFEST, r.manifestDigest(), r.size());
            if (r.artifactType() != null) {
                d.put("artifactType", r.artifactType());
            }
            if (!r.annotations().isEmpty()) {
                ObjectNode a = d.putObject("annotations");
                new TreeMap<>(r.annotations()).forEach(a::put);
            }
            manifests.add(d);
        }
        try {
            client.pushManifest(tag, MediaTypes.OCI_INDEX, JSON.writeValueAsBytes(index));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a referrers index", e);
        }
    }

    private static List<Referrer> parse(byte[] body, ImageReference repo, Digest subject) throws RegistryException {
        List<Referrer> out = new ArrayList<>();
        try {
            JsonNode root = JSON.readTree(body);
            for (JsonNode m : root.path("manifests")) {
                Map<String, String> annotations = new LinkedHashMap<>();
                m.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
                out.add(new Referrer(Digest.parse(m.path("digest").asText()), m.path("size").asLong(),
                        m.path("artifactType").isTextual() ? m.path("artifactType").asText() : null, annotations));
            }
        } catch (IOException | IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.PROTOCOL, "the referrers index of "
                    + repo.repositoryLocation() + "@" + subject + " is malformed: " + e.getMessage(), e);
        }
        return out;
    }
}
