package dev.distill.engine.verification;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.layer.BlobSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;

/**
 * Layers fetched once from their origin into a directory named by digest ({@code <directory>/sha256/<hex>}) and read
 * from there: the verifier reads them to check the image, and the {@link SandboxRunner} reads the same files to unpack
 * the containers' roots. A blob is stored only once its whole stream verified against its digest and size (the
 * origin's stream throws at the end otherwise), under a temporary name first, so a half-written file is never taken
 * for a blob. With {@link KeptBlobs}, a blob an earlier verification stored is linked from there instead of fetched.
 */
final class SpooledBlobSource implements BlobSource {

    private final BlobSource origin;
    private final Path directory;
    private final BlobSource stored;
    private final KeptBlobs kept;

    SpooledBlobSource(BlobSource origin, Path directory) {
        this(origin, directory, null);
    }

    /** @param kept blobs kept across verifications, linked instead of fetched again (null: none) */
    SpooledBlobSource(BlobSource origin, Path directory, KeptBlobs kept) {
        this.origin = Objects.requireNonNull(origin, "origin");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.stored = BlobSource.directory(directory);
        this.kept = kept;
    }

    Path directory() {
        return directory;
    }

    @Override
    public InputStream open(Descriptor blob) throws IOException {
        keep(blob);
        return stored.open(blob);  // verified again as it is read: the file is the verifier's, not trusted blindly
    }

    /**
     * Stores the blob from its origin unless it is stored already (its stream verified against its digest and size on
     * the way): for a layer the verifier did not read itself (merged from a remembered index) that the runner will.
     */
    void keep(Descriptor blob) throws IOException {
        Path file = directory.resolve(blob.digest().algorithm()).resolve(blob.digest().hex());
        synchronized (this) {
            if (!Files.exists(file)) {
                Files.createDirectories(file.getParent());
                if (kept != null && kept.linkTo(blob.digest(), file)) {
                    return;
                }
                Path partial = Files.createTempFile(file.getParent(), blob.digest().hex(), ".partial");
                try (InputStream in = origin.open(blob)) {
                    Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
                    Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(partial);
                }
                if (kept != null) {
                    kept.keep(blob.digest(), file);
                }
            }
        }
    }

    @Override
    public String toString() {
        return origin + ", kept in " + directory;
    }
}
