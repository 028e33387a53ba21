package dev.distill.engine.fs;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
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

    /** Linux gives up after 40 links in one lookup (ELOOP); so do we. */
    static final int MAX_LINKS = 40;

    private static final FileEntry ROOT = new FileEntry("/", FileType.DIRECTORY, 0755, 0, 0, 0, null, null, -1);

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
        Deque<String> pending = new ArrayDeque<>(components(path));
        String current = "/";
        int links = 0;
        FileEntry last = ROOT;
        while (!pending.isEmpty()) {
            String c = pending.pollFirst();
            if (c.equals("..")) {
                current = Paths.parent(current);
                last = entry(current).orElse(ROOT);
                continue;
            }
            Optional<FileEntry> found = entry(Paths.join(current, c));
            if (found.isEmpty()) {
                return Optional.empty();
            }
            FileEntry e = found.get();
            if (e.type() == FileType.SYMLINK) {
                if (++links > MAX_LINKS) {
                    throw new ImageFileSystem.SymlinkLoopException(path);
                }
                String target = e.linkTarget();
                List<String> targetParts = components(target);
                for (int i = targetParts.size() - 1; i >= 0; i--) {
                    pending.addFirst(targetParts.get(i));
                }
                if (target.startsWith("/")) {
                    current = "/";
                    last = ROOT;
                }
                continue;
            }
            if (e.type() == FileType.HARDLINK) {
                Optional<FileEntry> data = entry(e.linkTarget());
                if (data.isEmpty() || data.get().type() == FileType.HARDLINK || data.get().type() == FileType.SYMLINK) {
                    return Optional.empty();
                }
                e = data.get();
            }
            if (!pending.isEmpty() && e.type() != FileType.DIRECTORY) {
                // A file used as a directory: ENOTDIR, unless only ".." or links follow, which Linux also refuses.
                return Optional.empty();
            }
            current = Paths.join(current, c);
            last = e;
        }
        return Optional.of(last);
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

    private static List<String> components(String path) {
        return Arrays.stream(path.split("/")).filter(c -> !c.isEmpty() && !c.equals(".")).toList();
    }
}
