package dev.distill.engine.fs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An image filesystem held in memory: for tests and tiny fixtures. Parent directories are created as
 * needed (mode 0755, root-owned), like a tar without explicit directory entries.
 */
public final class MemoryFileSystem extends IndexedFileSystem {

    private final Map<String, byte[]> contents;

    private MemoryFileSystem(FileIndex index, Map<String, byte[]> contents) {
        super(index);
        this.contents = Map.copyOf(contents);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public InputStream open(FileEntry file) throws IOException {
        byte[] bytes = contents.get(file.path());
        if (bytes == null || !file.isRegular()) {
            throw new IOException(file.path() + " is not a regular file with contents");
        }
        return new ByteArrayInputStream(bytes);
    }

    /** Adds entries; later additions replace earlier ones at the same path, as an upper layer would. */
    public static final class Builder {
        private static final String LAYER = "memory";
        private final TreeMap<String, FileEntry> entries = new TreeMap<>();
        private final Map<String, byte[]> contents = new HashMap<>();
        private int uid;
        private int gid;

        /** The owner of entries added from now on. */
        public Builder owner(int newUid, int newGid) {
            this.uid = newUid;
            this.gid = newGid;
            return this;
        }

        public Builder file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), 0644);
        }

        public Builder file(String path, byte[] content, int mode) {
            String p = put(path, FileType.REGULAR, mode, content.length, null);
            contents.put(p, content.clone());
            return this;
        }

        public Builder directory(String path, int mode) {
            put(path, FileType.DIRECTORY, mode, 0, null);
            return this;
        }

        public Builder symlink(String path, String target) {
            put(path, FileType.SYMLINK, 0777, 0, target);
            return this;
        }

        public Builder hardlink(String path, String target) {
            put(path, FileType.HARDLINK, 0644, 0, Paths.normalize(target));
            return this;
        }

        /** Gives the entry already at {@code path} these extended attributes. */
        public Builder xattrs(String path, Xattrs xattrs) {
            String p = Paths.normalize(path);
            FileEntry e = entries.get(p);
            if (e == null) {
                throw new IllegalArgumentException("no entry at " + p + " to give extended attributes");
            }
            entries.put(p, e.withXattrs(xattrs));
            return this;
        }

        public Builder special(String path, FileType type, int mode) {
            put(path, type, mode, 0, null);
            return this;
        }

        private String put(String path, FileType type, int mode, long size, String target) {
            String p = Paths.normalize(path);
            for (String parent = Paths.parent(p); !parent.equals("/"); parent = Paths.parent(parent)) {
                entries.putIfAbsent(parent, new FileEntry(parent, FileType.DIRECTORY, 0755, 0, 0, 0, null, LAYER, 0));
            }
            entries.put(p, new FileEntry(p, type, mode, uid, gid, size, target, LAYER, 0));
            contents.remove(p);
            return p;
        }

        public MemoryFileSystem build() {
            return new MemoryFileSystem(new FileIndex(entries), contents);
        }
    }
}
