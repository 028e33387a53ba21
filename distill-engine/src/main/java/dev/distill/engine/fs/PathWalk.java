package dev.distill.engine.fs;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The rooted path walk shared by every {@link ImageFileSystem}: follows symlinks in every component (absolute
 * targets restart at the image root, {@code ..} is clamped at the root) and hard links to their data, and
 * reports the link entries it went through, which an image that keeps the target must keep too.
 */
public final class PathWalk {

    /** Linux gives up after 40 links in one lookup (ELOOP); so do we. */
    static final int MAX_LINKS = 40;

    static final FileEntry ROOT = new FileEntry("/", FileType.DIRECTORY, 0755, 0, 0, 0, null, null, -1);

    /**
     * @param target the entry holding the data, empty when a component is missing or a link dangles
     * @param links the symlink and hard-link entries traversed, in the order they were followed
     */
    public record Trace(Optional<FileEntry> target, List<FileEntry> links) {
        public Trace {
            links = List.copyOf(links);
        }
    }

    private PathWalk() {
    }

    /** Walks {@code path} inside the image seen by {@code fs}. */
    public static Trace trace(ImageFileSystem fs, String path) {
        return trace(fs::entry, path);
    }

    /**
     * Walks {@code path} over a lookup that answers like {@code lstat} for normalised absolute paths.
     *
     * @throws ImageFileSystem.SymlinkLoopException after more than 40 links
     */
    public static Trace trace(Function<String, Optional<FileEntry>> lookup, String path) {
        Deque<String> pending = new ArrayDeque<>(components(path));
        List<FileEntry> links = new ArrayList<>();
        String current = "/";
        int followed = 0;
        FileEntry last = lookup.apply("/").orElse(ROOT);
        while (!pending.isEmpty()) {
            String c = pending.pollFirst();
            if (c.equals("..")) {
                current = Paths.parent(current);
                last = lookup.apply(current).orElse(ROOT);
                continue;
            }
            Optional<FileEntry> found = lookup.apply(Paths.join(current, c));
            if (found.isEmpty()) {
                return new Trace(Optional.empty(), links);
            }
            FileEntry e = found.get();
            if (e.type() == FileType.SYMLINK) {
                if (++followed > MAX_LINKS) {
                    throw new ImageFileSystem.SymlinkLoopException(path);
                }
                links.add(e);
                String target = e.linkTarget();
                List<String> targetParts = components(target);
                for (int i = targetParts.size() - 1; i >= 0; i--) {
                    pending.addFirst(targetParts.get(i));
                }
                if (target.startsWith("/")) {
                    current = "/";
                    last = lookup.apply("/").orElse(ROOT);
                }
                continue;
            }
            if (e.type() == FileType.HARDLINK) {
                Optional<FileEntry> data = lookup.apply(e.linkTarget());
                if (data.isEmpty() || data.get().type() == FileType.HARDLINK || data.get().type() == FileType.SYMLINK) {
                    return new Trace(Optional.empty(), links);
                }
                links.add(e);
                e = data.get();
            }
            if (!pending.isEmpty() && e.type() != FileType.DIRECTORY) {
                // A file used as a directory: ENOTDIR.
                return new Trace(Optional.empty(), links);
            }
            current = Paths.join(current, c);
            last = e;
        }
        return new Trace(Optional.of(last), links);
    }

    private static List<String> components(String path) {
        return Arrays.stream(path.split("/")).filter(c -> !c.isEmpty() && !c.equals(".")).toList();
    }
}
