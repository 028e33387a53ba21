package dev.distill.pipeline.reports;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.ArtifactStore;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/**
 * Reports as OCI artifacts in a registry: in a configured repository, or in {@code <source registry>/distill/reports}
 * so that every service that can reach the source can reach its reports.
 */
public final class RegistryReportStore implements ReportStore {

    private final RegistryClient client;
    private final Optional<ImageReference> repository;

    public RegistryReportStore(RegistryClient client, Optional<String> repository) {
        this.client = client;
        this.repository = repository.map(ImageReference::parse);
    }

    @Override
    public Stored put(ReportKind kind, ImageReference source, String migrationId, byte[] json)
            throws IOException, RegistryException {
        ImageReference target = repository.orElseGet(() -> ImageReference.parse(source.registry() + "/distill/reports"));
        ArtifactStore.StoredArtifact stored = new ArtifactStore(client, target).put(kind.artifactType(), kind.mediaType(),
                json, Map.of("dev.distill.migration", migrationId, "dev.distill.source", source.toString()));
        return new Stored(stored.location(), stored.blobDigest().toString());
    }

    @Override
    public byte[] get(String location, int maxBytes) throws IOException, RegistryException {
        ImageReference at;
        try {
            at = ImageReference.parse(location);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a report location: '" + location + "': " + e.getMessage(), e);
        }
        if (at.digest() == null) {
            throw new IOException("a report location names a digest, got '" + location + "'");
        }
        return new ArtifactStore(client, at).get(new ArtifactStore.StoredArtifact(at, null, at.digest(), -1), maxBytes);
    }
}
