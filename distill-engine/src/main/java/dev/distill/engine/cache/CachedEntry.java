package dev.distill.engine.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;

/**
 * A value found in a {@link DiskCache}, checked and held open: eviction by another instance cannot take it away
 * while it is read. Close it when done.
 *
 * @see DiskCache#find
 */
public final class CachedEntry implements AutoCloseable {

    private final CacheKey key;
    private final FileChannel data;
    private final long length;
    private final Map<String, String> attributes;
    /** The data file as found, and its inode: what a hard link must reach (null when not known). */
    private final Path file;
    private final Object fileKey;

    CachedEntry(CacheKey key, FileChannel data, long length, Map<String, String> attributes, Path file, Object fileKey) {
        this.key = key;
        this.data = data;
        this.length = length;
        this.attributes = attributes;
        this.file = file;
        this.fileKey = fileKey;
    }

    public CacheKey key() {
        return key;
    }

    /** The value's length in bytes. */
    public long length() {
        return length;
    }

    /** What the writer kept with the value. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** An attribute the writer must have set. */
    public String attribute(String name) throws IOException {
        String value = attributes.get(name);
        if (value == null) {
            throw new IOException("cache entry " + key + " has no attribute '" + name + "'");
        }
        return value;
    }

    /** The value from its start; each call reads it anew, independently of other open streams. */
    public InputStream open() {
        return open(0);
    }

    /** The value from byte {@code from} on. */
    public InputStream open(long from) {
        return new InputStream() {
            private long at = from;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                if (at >= length) {
                    return -1;
                }
                int n = data.read(ByteBuffer.wrap(b, off, (int) Math.min(len, length - at)), at);
                if (n > 0) {
                    at += n;
                }
                return n;
            }
        };
    }

    /** Copies the value to a new file at {@code target}. */
    public void copyTo(Path target) throws IOException {
        try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            long at = 0;
            while (at < length) {
                at += data.transferTo(at, length - at, out);
            }
        } catch (IOException e) {
            Files.deleteIfExists(target);
            throw e;
        }
    }

    /**
     * Gives {@code target} the value: a hard link to the entry's data file where it can (entries never change, and a
     * link outlives the entry's eviction), else a copy. A link is kept only when it reaches the very file that was
     * checked; an entry renamed away meanwhile, another file system or a store without links get a copy.
     * The caller must never write to {@code target}.
     */
    public void linkOrCopyTo(Path target) throws IOException {
        if (file != null && fileKey != null) {
            try {
                Files.createLink(target, file);
                Object linked = Files.readAttributes(target, BasicFileAttributes.class).fileKey();
                if (fileKey.equals(linked)) {
                    return;
                }
                Files.delete(target);
            } catch (IOException | UnsupportedOperationException e) {
                Files.deleteIfExists(target);
            }
        }
        copyTo(target);
    }

    @Override
    public void close() throws IOException {
        data.close();
    }

    @Override
    public String toString() {
        return "cached " + key + " (" + length + " bytes)";
    }
}
