package dev.distill.engine.layer;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.DigestMismatchException;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/** Layers streamed from a registry; {@link RegistryClient#openBlob} verifies digest and size. */
final class RegistryBlobSource implements BlobSource {

    private final RegistryClient client;
    private final ImageReference repository;

    RegistryBlobSource(RegistryClient client, ImageReference repository) {
        this.client = Objects.requireNonNull(client, "client");
        this.repository = Objects.requireNonNull(repository, "repository");
    }

    @Override
    public InputStream open(Descriptor blob) throws IOException {
        try {
            return client.openBlob(repository, blob);
        } catch (RegistryException e) {
            if (e.kind() == RegistryException.Kind.DIGEST_MISMATCH) {
                DigestMismatchException mismatch = new DigestMismatchException(e.getMessage(), blob.digest(), null);
                mismatch.initCause(e);
                throw mismatch;
            }
            // Kept as the cause, so a caller can still tell UNREACHABLE (retry) from NOT_FOUND.
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "registry blobs of " + repository.repositoryLocation();
    }
}
