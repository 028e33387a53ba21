package dev.distill.engine.layer;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.RegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Where layer blobs come from. {@link LayeredFileSystem} opens a layer once to index it and again whenever file
 * contents are read, so a source must serve the same bytes every time.
 */
public interface BlobSource {

    /**
     * The blob's raw (still compressed) bytes. The stream must verify them against the descriptor's digest and
     * size and throw {@link dev.distill.engine.registry.DigestMismatchException} from the read that reaches the
     * end when they differ; both sources here do.
     */
    InputStream open(Descriptor blob) throws IOException;

    /** Blobs of one repository, fetched from its registry. */
    static BlobSource registry(RegistryClient client, ImageReference repository) {
        return new RegistryBlobSource(client, repository);
    }

    /**
     * Blobs stored as files named by digest: {@code <directory>/sha256/<hex>}, so the {@code blobs} directory of
     * an OCI image layout is one.
     */
    static BlobSource directory(Path directory) {
        return new DirectoryBlobSource(directory);
    }
}
