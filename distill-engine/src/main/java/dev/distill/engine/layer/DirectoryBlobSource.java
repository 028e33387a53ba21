package dev.distill.engine.layer;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.registry.VerifyingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/** Blobs as files named by digest under a directory, verified like registry blobs. */
final class DirectoryBlobSource implements BlobSource {

    private final Path directory;

    DirectoryBlobSource(Path directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    @Override
    public InputStream open(Descriptor blob) throws IOException {
        // The digest is validated hex, so the file name cannot leave the directory.
        Path file = directory.resolve(blob.digest().algorithm()).resolve(blob.digest().hex());
        InputStream in;
        try {
            in = Files.newInputStream(file);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no blob " + blob.digest() + " in " + directory);
        }
        return new VerifyingInputStream(in, blob.digest(), blob.size(), "blob " + blob.digest() + " in " + directory);
    }

    @Override
    public String toString() {
        return "blobs in " + directory;
    }
}
