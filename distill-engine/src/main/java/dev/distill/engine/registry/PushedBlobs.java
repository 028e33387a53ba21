package dev.distill.engine.registry;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * The blobs one piece of work (the images, SBOMs and reports of one build) has made sure a repository holds: each
 * repository and digest is looked up (HEAD) and, when missing, uploaded or mounted once, however many of the work's
 * images name it (the base's layers, a layer several programs share, the artifacts' empty config) and however many
 * threads ask at the same time (the others wait for the first). Only what this work saw is known: a new instance
 * asks the registry again. A blob the registry lost meanwhile is not missed: the manifest push that names it fails.
 */
public final class PushedBlobs {

    /** Uploads or mounts a blob the repository does not have. */
    @FunctionalInterface
    public interface Upload {
        void run() throws RegistryException;
    }

    private record Key(String host, String repository, Digest digest) {
    }

    private final ConcurrentHashMap<Key, CompletableFuture<Void>> known = new ConcurrentHashMap<>();

    /**
     * Makes sure {@code repository} holds {@code digest}: done already by this work, or the registry has it, or
     * {@code upload} puts it there.
     */
    public void ensure(RegistryClient client, ImageReference repository, Digest digest, Upload upload)
            throws RegistryException {
        Objects.requireNonNull(upload, "upload");
        Key key = new Key(RegistryTransport.apiHost(repository.registry()), repository.repository(),
                Objects.requireNonNull(digest, "digest"));
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> first = known.putIfAbsent(key, mine);
        if (first != null) {
            await(first, repository, digest);
            return;
        }
        try {
            if (!client.blobExists(repository, digest)) {
                upload.run();
            }
            mine.complete(null);
        } catch (RegistryException | RuntimeException | Error e) {
            // Not known after all: a later ask tries again.
            known.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    /** Whether this work has made sure {@code repository} holds {@code digest} (for tests). */
    boolean knows(ImageReference repository, Digest digest) {
        CompletableFuture<Void> f = known.get(new Key(RegistryTransport.apiHost(repository.registry()),
                repository.repository(), digest));
        return f != null && f.isDone() && !f.isCompletedExceptionally();
    }

    private static void await(CompletableFuture<Void> first, ImageReference repository, Digest digest)
            throws RegistryException {
        try {
            first.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, "interrupted while waiting for blob " + digest
                    + " of " + repository.repositoryLocation() + " to be pushed", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RegistryException r) {
                throw new RegistryException(r.kind(), r.getMessage(), r);
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("pushing blob " + digest + " failed", e.getCause());
        }
    }
}
