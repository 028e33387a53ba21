package dev.distill.engine.fs;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An image filesystem that passes every call to another: the base of decorators (caches, test doubles) that
 * change one or two calls. {@code read} and {@code readAll} keep the interface's defaults, which go through
 * {@link #open}, so a decorator that changes {@code open} changes them too.
 */
public abstract class ForwardingFileSystem implements ImageFileSystem {

    /** The filesystem calls go to; may change over time (see a deferred filesystem). */
    protected abstract ImageFileSystem delegate();

    @Override
    public Optional<FileEntry> entry(String path) {
        return delegate().entry(path);
    }

    @Override
    public Optional<FileEntry> resolve(String path) {
        return delegate().resolve(path);
    }

    @Override
    public List<FileEntry> list(String directory) {
        return delegate().list(directory);
    }

    @Override
    public Stream<FileEntry> entries() {
        return delegate().entries();
    }

    @Override
    public InputStream open(FileEntry file) throws IOException {
        return delegate().open(file);
    }
}
