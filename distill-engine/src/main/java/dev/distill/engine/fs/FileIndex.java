package dev.distill.engine.fs;

import java.util.List;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The metadata of a merged filesystem and the path walk over it: the part of {@link ImageFileSystem} that
 * does not touch file contents, shared by every implementation so that symlinks resolve the same way
 * everywhere, always inside the image root.
 */
public final class FileIndex {

    private static final FileEntry ROOT = PathWalk.ROOT;

    private final NavigableMap<String, FileEntry> entries;

    public FileIndex(NavigableMap<String, FileEntry> entries) {
        this.entries = new TreeMap<>(entries);
    }

    public Optional<FileEntry> entry(String path) {
        String p = Paths.normalize(path);
        FileEntry e = entries.get(p);
        return e != null ? Optional.of(e) : p.equals("/") ? Optional.of(ROOT) : Optional.empty();
    }

    public Optional<FileEntry> resolve(String path) {
        return PathWalk.trace(this::entry, path).target();
    }

    public List<FileEntry> list(String directory) {
        Optional<FileEntry> dir = resolve(directory);
        if (dir.isEmpty() || !dir.get().isDirectory()) {
            return List.of();
        }
        String d = dir.get().path();
        String prefix = d.equals("/") ? "/" : d + "/";
        return entries.subMap(prefix, false, prefix + Character.MAX_VALUE, false).values().stream()
                .filter(e -> e.path().indexOf('/', prefix.length()) < 0)
                .toList();
    }

    public Stream<FileEntry> entries() {
        return entries.values().stream();
    }

    public int size() {
        return entries.size();
    }
}
