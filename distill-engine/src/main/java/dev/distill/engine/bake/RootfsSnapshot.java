package dev.distill.engine.bake;

import dev.distill.engine.fs.FileType;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The metadata of every entry of a root filesystem on the host, read with {@code lstat} (no link is followed), to
 * tell what a process in a container changed: a file whose type, mode, owner, size, inode, modification or change time
 * differs (the change time moves with any write, chmod or chown, and no process can set it back); a directory whose
 * type, mode or owner differs (its times move whenever an entry is added below it).
 */
final class RootfsSnapshot {

    /** One entry's metadata. */
    record Meta(FileType type, int mode, int uid, int gid, long size, long ino, long mtime, long ctime, String link) {

        boolean sameAs(Meta other) {
            if (type != other.type || mode != other.mode || uid != other.uid || gid != other.gid) {
                return false;
            }
            if (type == FileType.DIRECTORY) {
                return true;
            }
            return size == other.size && ino == other.ino && mtime == other.mtime && ctime == other.ctime
                    && Objects.equals(link, other.link);
        }
    }

    /** More entries than an image may have ({@code LayerLimits}' default): a step that floods the disk fails. */
    static final int MAX_ENTRIES = 1_000_000;

    private final Map<String, Meta> entries;

    private RootfsSnapshot(Map<String, Meta> entries) {
        this.entries = entries;
    }

    Map<String, Meta> entries() {
        return entries;
    }

    /**
     * @param excluded absolute paths (in the container's view) left out with everything below them: mount points
     *     the runtime made, the bake's own control directory
     */
    static RootfsSnapshot take(Path rootfs, Set<String> excluded) throws IOException {
        Map<String, Meta> out = new HashMap<>();
        Files.walkFileTree(rootfs, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String path = path(rootfs, dir);
                if (excluded.contains(path)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                if (!path.equals("/")) {
                    put(out, path, meta(dir));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String path = path(rootfs, file);
                if (!excluded.contains(path)) {
                    put(out, path, meta(file));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                throw new IOException("cannot read " + path(rootfs, file) + " in the baked root filesystem: " + e, e);
            }
        });
        return new RootfsSnapshot(out);
    }

    private static void put(Map<String, Meta> out, String path, Meta meta) throws IOException {
        if (out.size() >= MAX_ENTRIES) {
            throw new IOException("the baked root filesystem has more than " + MAX_ENTRIES + " entries (at " + path + ")");
        }
        out.put(path, meta);
    }

    /** Paths added or changed in {@code after} (with their new metadata) and removed (mapped to null), by path. */
    TreeMap<String, Meta> changesTo(RootfsSnapshot after) {
        TreeMap<String, Meta> out = new TreeMap<>();
        after.entries.forEach((path, meta) -> {
            Meta before = entries.get(path);
            if (before == null || !before.sameAs(meta)) {
                out.put(path, meta);
            }
        });
        entries.keySet().forEach(path -> {
            if (!after.entries.containsKey(path)) {
                out.put(path, null);
            }
        });
        return out;
    }

    private static String path(Path rootfs, Path p) {
        String rel = rootfs.relativize(p).toString();
        return rel.isEmpty() ? "/" : "/" + rel;
    }

    static Meta meta(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,ino,lastModifiedTime,ctime",
                LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        FileType type = switch (mode & 0170000) {
            case 0040000 -> FileType.DIRECTORY;
            case 0100000 -> FileType.REGULAR;
            case 0120000 -> FileType.SYMLINK;
            case 0010000 -> FileType.FIFO;
            case 0020000 -> FileType.CHAR_DEVICE;
            case 0060000 -> FileType.BLOCK_DEVICE;
            default -> null;  // a socket: nothing a layer can hold
        };
        String link = type == FileType.SYMLINK ? Files.readSymbolicLink(p).toString() : null;
        return new Meta(type, mode & 07777, (Integer) a.get("uid"), (Integer) a.get("gid"), (Long) a.get("size"),
                (Long) a.get("ino"), nanos((FileTime) a.get("lastModifiedTime")), nanos((FileTime) a.get("ctime")), link);
    }

    private static long nanos(FileTime t) {
        return t.to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }
}
