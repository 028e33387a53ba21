package dev.distill.engine.fs;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * An unpacked root filesystem on disk seen as an image: {@code /usr/bin/php} is {@code <root>/usr/bin/php}.
 * Entries are read lazily with {@code lstat}; every component of a path is checked to be a real directory,
 * so a symlink on disk is never followed by the host: links resolve through the shared {@link PathWalk},
 * inside the root. Hard links on disk cannot be told apart and appear as regular files; sockets are left
 * out (a layer tar cannot hold them). For rootfs fixtures and for comparing with the host's own tools.
 */
public final class DirectoryFileSystem implements ImageFileSystem {

    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private final Path root;

    /** @param root an existing directory (itself may be reached through host links: it is the trusted base) */
    public DirectoryFileSystem(Path root) throws IOException {
        this.root = root.toRealPath();
        if (!Files.isDirectory(this.root)) {
            throw new IOException(root + " is not a directory");
        }
    }

    public Path root() {
        return root;
    }

    @Override
    public Optional<FileEntry> entry(String path) {
        String p = Paths.normalize(path);
        if (p.equals("/")) {
            return Optional.of(stat("/", root).orElse(PathWalk.ROOT));
        }
        // Every parent must be a real directory: a symlinked parent on disk would be followed by the host.
        String parent = Paths.parent(p);
        if (!parent.equals("/")) {
            Optional<FileEntry> dir = entry(parent);
            if (dir.isEmpty() || !dir.get().isDirectory()) {
                return Optional.empty();
            }
        }
        return stat(p, host(p));
    }

    @Override
    public Optional<FileEntry> resolve(String path) {
        return PathWalk.trace(this::entry, path).target();
    }

    @Override
    public List<FileEntry> list(String directory) {
        Optional<FileEntry> dir = resolve(directory);
        if (dir.isEmpty() || !dir.get().isDirectory()) {
            return List.of();
        }
        String d = dir.get().path();
        List<FileEntry> children = new ArrayList<>();
        try (Stream<Path> s = Files.list(host(d))) {
            s.forEach(child -> stat(Paths.join(d, child.getFileName().toString()), child).ifPresent(children::add));
        } catch (IOException e) {
            return List.of();
        }
        children.sort((a, b) -> a.path().compareTo(b.path()));
        return children;
    }

    /** Walks the whole tree (without following links) before streaming: costly for a large root. */
    @Override
    public Stream<FileEntry> entries() {
        Map<String, FileEntry> all = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            s.filter(h -> !h.equals(root)).forEach(h -> {
                String p = "/" + root.relativize(h).toString();
                stat(p, h).ifPresent(e -> all.put(e.path(), e));
            });
        } catch (IOException | UncheckedIOException e) {
            // An unreadable subtree is left out, like a listing that cannot be read.
        }
        return all.values().stream();
    }

    @Override
    public InputStream open(FileEntry file) throws IOException {
        Optional<FileEntry> e = entry(file.path());
        if (e.isEmpty() || !e.get().isRegular()) {
            throw new IOException(file.path() + " is not a regular file in " + root);
        }
        return Files.newInputStream(host(e.get().path()), StandardOpenOption.READ, NOFOLLOW);
    }

    private Path host(String normalized) {
        return normalized.equals("/") ? root : root.resolve(normalized.substring(1));
    }

    private static Optional<FileEntry> stat(String path, Path host) {
        try {
            Map<String, Object> a = Files.readAttributes(host, "unix:mode,uid,gid,size", NOFOLLOW);
            int mode = (Integer) a.get("mode");
            FileType type = switch (mode & 0170000) {
                case 0100000 -> FileType.REGULAR;
                case 0040000 -> FileType.DIRECTORY;
                case 0120000 -> FileType.SYMLINK;
                case 0020000 -> FileType.CHAR_DEVICE;
                case 0060000 -> FileType.BLOCK_DEVICE;
                case 0010000 -> FileType.FIFO;
                default -> null;
            };
            if (type == null) {
                return Optional.empty();
            }
            String target = type == FileType.SYMLINK ? Files.readSymbolicLink(host).toString() : null;
            long size = type == FileType.REGULAR ? ((Number) a.get("size")).longValue() : 0;
            return Optional.of(new FileEntry(path, type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"),
                    size, target, null, 0));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }
}
