package dev.distill.engine.analysis;

import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An image filesystem that exists only once its layers have been read: the analysis's caches are made before the
 * one pass that both indexes the layers and fills them, and read through this afterwards.
 */
final class DeferredFileSystem implements ImageFileSystem {

    private volatile ImageFileSystem image;

    void set(ImageFileSystem built) {
        this.image = Objects.requireNonNull(built, "built");
    }

    private ImageFileSystem image() {
        ImageFileSystem i = image;
        if (i == null) {
            throw new IllegalStateException("the image's layers have not been read yet");
        }
        return i;
    }

    @Override
    public Optional<FileEntry> entry(String path) {
        return image().entry(path);
    }

    @Override
    public Optional<FileEntry> resolve(String path) {
        return image().resolve(path);
    }

    @Override
    public List<FileEntry> list(String directory) {
        return image().list(directory);
    }

    @Override
    public Stream<FileEntry> entries() {
        return image().entries();
    }

    @Override
    public InputStream open(FileEntry file) throws IOException {
        return image().open(file);
    }

    @Override
    public byte[] read(FileEntry file, int limit) throws IOException {
        return image().read(file, limit);
    }

    @Override
    public void readAll(Collection<FileEntry> files, ContentVisitor visitor) throws IOException {
        image().readAll(files, visitor);
    }

    @Override
    public String toString() {
        return String.valueOf(image);
    }
}
