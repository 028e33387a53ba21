package dev.distill.engine.analysis;

import dev.distill.engine.fs.ContentVisitor;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ForwardingFileSystem;
import dev.distill.engine.fs.ImageFileSystem;
import java.io.IOException;
import java.util.Collection;
import java.util.Objects;

/**
 * An image filesystem that exists only once its layers have been read: the analysis's caches are made before the
 * one pass that both indexes the layers and fills them, and read through this afterwards.
 */
final class DeferredFileSystem extends ForwardingFileSystem {

    private volatile ImageFileSystem image;

    void set(ImageFileSystem built) {
        this.image = Objects.requireNonNull(built, "built");
    }

    @Override
    protected ImageFileSystem delegate() {
        ImageFileSystem i = image;
        if (i == null) {
            throw new IllegalStateException("the image's layers have not been read yet");
        }
        return i;
    }

    @Override
    public byte[] read(FileEntry file, int limit) throws IOException {
        return delegate().read(file, limit);
    }

    @Override
    public void readAll(Collection<FileEntry> files, ContentVisitor visitor) throws IOException {
        delegate().readAll(files, visitor);
    }

    @Override
    public String toString() {
        return String.valueOf(image);
    }
}
