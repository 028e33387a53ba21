package dev.distill.engine.fs;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An image filesystem whose metadata is a {@link FileIndex} in memory: lookups, links and listings come from
 * the index, so every such filesystem resolves paths the same way; subclasses supply the bytes.
 */
public abstract class IndexedFileSystem implements ImageFileSystem {

    protected final FileIndex index;

    protected IndexedFileSystem(FileIndex index) {
        this.index = index;
    }

    @Override
    public Optional<FileEntry> entry(String path) {
        return index.entry(path);
    }

    @Override
    public Optional<FileEntry> resolve(String path) {
        return index.resolve(path);
    }

    @Override
    public List<FileEntry> list(String directory) {
        return index.list(directory);
    }

    @Override
    public Stream<FileEntry> entries() {
        return index.entries();
    }
}
