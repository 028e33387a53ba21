package dev.distill.engine.cache;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    CachedEntry(CacheKey key, FileChannel data, long length, Map<String, String> attributes) {
        this.key = key;
        this.data = data;
        this.length = length;
        this.attributes = attributes;
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

    /** The value from its start; each call reads it anew. */
    public InputStream open() throws IOException {
        return Channels.newInputStream(data.position(0));
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

    @Override
    public void close() throws IOException {
        data.close();
    }

    @Override
    public String toString() {
        return "cached " + key + " (" + length + " bytes)";
    }
}
