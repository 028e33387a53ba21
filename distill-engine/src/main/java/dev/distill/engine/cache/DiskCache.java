package dev.distill.engine.cache;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * A cache of immutable entries in one directory, bounded by a size in bytes and evicting the least recently used
 * entry first. Each entry is a directory {@code entries/<kind>-<hash of key>} holding {@code data} (the value) and
 * {@code meta} (the full key, the value's length and CRC-32C, and the writer's attributes).
 *
 * <p>Safe for several processes sharing the directory (a volume mounted into several instances): a value is written
 * into a private temporary directory and published by one atomic rename, so a reader sees a whole entry or none;
 * when two writers publish one key, the first rename wins and the second writer simply drops its copy (the values
 * are equal by construction, since the key names what determines them). Eviction renames an entry away before
 * deleting it, and a reader holds the data open from the moment it verified it, so neither disturbs the other.
 * Every read checks the length and checksum; an entry that fails (a torn write after a crash, a damaged disk) is
 * dropped and reported as a miss, never trusted. The access time is the {@code meta} file's modification time,
 * touched on each hit. The size is counted as entries are stored and the directory scanned when the count passes the
 * limit, and after every {@value #RESCAN_EVERY} stores (other instances store too), so the directory may exceed the
 * limit by what other instances stored since the last scan.
 *
 * <p>Errors of the cache itself (a full disk, a read-only volume) never fail the work that uses it: a lookup that
 * cannot read is a miss, a store that cannot write is skipped; callers log what {@link #problems} counts.
 */
public final class DiskCache {

    private static final String DATA = "data";
    private static final String META = "meta";
    /** A temporary directory this old was left by a writer that died: removed when pruning. */
    private static final Duration ABANDONED = Duration.ofHours(1);

    private final Path entries;
    private final Path temporary;
    private final long maxBytes;
    private final Clock clock;
    private volatile long problems;
    /** The entries' bytes as of the last scan plus what this instance stored since; -1 before the first scan. */
    private final java.util.concurrent.atomic.AtomicLong estimate = new java.util.concurrent.atomic.AtomicLong(-1);
    private final java.util.concurrent.atomic.AtomicInteger storesSinceScan = new java.util.concurrent.atomic.AtomicInteger();
    /** Other instances store too: the directory is scanned again after this many stores of this one, whatever the estimate. */
    private static final int RESCAN_EVERY = 256;

    /**
     * @param directory the cache's directory, created when missing; give a volume for the cache to survive restarts
     * @param maxBytes the most the entries may take together; the least recently used are evicted beyond it
     */
    public DiskCache(Path directory, long maxBytes) throws IOException {
        this(directory, maxBytes, Clock.systemUTC());
    }

    DiskCache(Path directory, long maxBytes, Clock clock) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("a cache's size limit must be positive, got " + maxBytes + " bytes for " + directory);
        }
        this.entries = Files.createDirectories(directory.resolve("entries"));
        this.temporary = Files.createDirectories(directory.resolve("tmp"));
        this.maxBytes = maxBytes;
        this.clock = clock;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** How many entries were found damaged or could not be read or written since this object was made. */
    public long problems() {
        return problems;
    }

    /**
     * The entry for {@code key}, its value checked against its checksum and held open; empty when there is none or
     * it was damaged (then it is removed). The caller closes the entry.
     */
    public Optional<CachedEntry> find(CacheKey key) {
        Path dir = entries.resolve(key.fileName());
        Properties meta = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(META))) {
            meta.load(in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | IllegalArgumentException e) {
            return damaged(dir);
        }
        if (!key.kind().equals(meta.getProperty("kind")) || !key.subject().equals(meta.getProperty("subject"))
                || !String.valueOf(key.version()).equals(meta.getProperty("version"))) {
            return damaged(dir); // a hash collision is as good as damage: never serve another key's value
        }
        FileChannel data = null;
        try {
            Object before = fileKey(dir.resolve(DATA));
            data = FileChannel.open(dir.resolve(DATA), StandardOpenOption.READ);
            long length = Long.parseLong(meta.getProperty("length", "-1"));
            if (data.size() != length || checksum(data) != Long.parseLong(meta.getProperty("crc32c", "-1"))) {
                data.close();
                return damaged(dir);
            }
            Map<String, String> attributes = attributes(meta);
            if (attributesChecksum(attributes) != Long.parseLong(meta.getProperty("attributes-crc32c", "-1"))) {
                data.close();
                return damaged(dir);
            }
            touch(dir.resolve(META));
            // The inode before the open and after the checks: the same one when the file opened is the one named.
            Object inode = fileKey(dir.resolve(DATA));
            return Optional.of(new CachedEntry(key, data, length, attributes, dir.resolve(DATA),
                    before != null && before.equals(inode) ? inode : null));
        } catch (NoSuchFileException e) {
            close(data);
            return Optional.empty(); // evicted by another instance meanwhile
        } catch (IOException | NumberFormatException e) {
            close(data);
            return damaged(dir);
        }
    }

    /** Removes the entry for {@code key}, if any: for a user that found a checked entry unfit (a bug, not damage). */
    public void remove(CacheKey key) {
        try {
            remove(entries.resolve(key.fileName()));
        } catch (IOException e) {
            problems++;
        }
    }

    /** Whether an entry for {@code key} exists, without checking or touching it. */
    public boolean contains(CacheKey key) {
        return Files.isRegularFile(entries.resolve(key.fileName()).resolve(META));
    }

    /**
     * Starts writing the value of {@code key}: write it to {@link Pending#out()}, then {@link Pending#commit}; closing
     * without committing discards it.
     */
    public Pending begin(CacheKey key) throws IOException {
        return new Pending(key, Files.createDirectory(temporary.resolve(UUID.randomUUID().toString())));
    }

    /** Writes a whole value at once; false when it could not be stored (see {@link #problems}). */
    public boolean put(CacheKey key, Map<String, String> attributes, ValueWriter writer) {
        try (Pending p = begin(key)) {
            writer.write(p.out());
            p.commit(attributes);
            return true;
        } catch (IOException | UncheckedIOException e) {
            problems++;
            return false;
        }
    }

    /** Writes a value to a stream. */
    @FunctionalInterface
    public interface ValueWriter {
        void write(OutputStream out) throws IOException;
    }

    /** The bytes all entries take now (data and meta). */
    public long size() throws IOException {
        return list().stream().mapToLong(Stored::bytes).sum();
    }

    /** A value being written, published by {@link #commit} or discarded by {@link #close}. */
    public final class Pending implements AutoCloseable {
        private final CacheKey key;
        private final Path dir;
        private final CRC32C crc = new CRC32C();
        private final CountingStream counted;
        private final OutputStream out;
        private boolean done;

        private Pending(CacheKey key, Path dir) throws IOException {
            this.key = key;
            this.dir = dir;
            this.counted = new CountingStream(Files.newOutputStream(dir.resolve(DATA)));
            this.out = new BufferedOutputStream(new CheckedOutputStream(counted, crc), 64 * 1024);
        }

        /** Where the value goes; not to be closed by the caller. */
        public OutputStream out() {
            return out;
        }

        /**
         * Publishes the value with the given attributes (small strings kept with it, such as a digest). When another
         * writer published the same key first, its entry stays and this one is dropped: both have the same value.
         */
        public void commit(Map<String, String> attributes) throws IOException {
            out.close();
            done = true;
            Properties meta = new Properties();
            meta.setProperty("kind", key.kind());
            meta.setProperty("subject", key.subject());
            meta.setProperty("version", String.valueOf(key.version()));
            meta.setProperty("length", String.valueOf(counted.count));
            meta.setProperty("crc32c", String.valueOf(crc.getValue()));
            attributes.forEach((k, v) -> meta.setProperty("attribute." + k, v));
            meta.setProperty("attributes-crc32c", String.valueOf(attributesChecksum(attributes)));
            try (OutputStream m = Files.newOutputStream(dir.resolve(META))) {
                meta.store(m, null);
            }
            Files.setLastModifiedTime(dir.resolve(META), FileTime.from(clock.instant()));
            Path target = entries.resolve(key.fileName());
            try {
                Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                removeTree(dir); // another writer was first
                return;
            } catch (FileSystemException e) {
                if (!Files.exists(target)) {
                    removeTree(dir);
                    throw e;
                }
                removeTree(dir); // rename(2) onto a non-empty directory: another writer was first
                return;
            }
            // Scanning the directory on every store would cost a stat per entry each time: the sizes are counted
            // instead, and the directory scanned when the count passes the limit (or now and then, for the others').
            long stored = counted.count + Files.size(target.resolve(META));
            if (estimate.get() < 0 || estimate.addAndGet(stored) > maxBytes || storesSinceScan.incrementAndGet() >= RESCAN_EVERY) {
                prune();
            }
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                try {
                    out.close();
                } finally {
                    removeTree(dir);
                }
            }
        }
    }

    /**
     * Evicts the least recently used entries until the rest fit the size limit, and removes what writers that died
     * left behind. Runs after each store; concurrent pruning by several instances is harmless.
     */
    public void prune() throws IOException {
        storesSinceScan.set(0);
        List<Stored> all = list();
        long total = all.stream().mapToLong(Stored::bytes).sum();
        if (total > maxBytes) {
            all.sort(Comparator.comparing(Stored::used).thenComparing(s -> s.dir().getFileName().toString()));
            for (Stored s : all) {
                if (total <= maxBytes) {
                    break;
                }
                remove(s.dir());
                total -= s.bytes();
            }
        }
        estimate.set(total);
        FileTime abandoned = FileTime.from(clock.instant().minus(ABANDONED));
        try (DirectoryStream<Path> tmp = Files.newDirectoryStream(temporary)) {
            for (Path t : tmp) {
                try {
                    if (Files.getLastModifiedTime(t).compareTo(abandoned) < 0) {
                        removeTree(t);
                    }
                } catch (NoSuchFileException e) {
                    // finished or removed by another instance
                }
            }
        }
    }

    private record Stored(Path dir, long bytes, FileTime used) {
    }

    private List<Stored> list() throws IOException {
        List<Stored> all = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(entries)) {
            for (Path dir : dirs) {
                try {
                    FileTime used = Files.getLastModifiedTime(dir.resolve(META));
                    all.add(new Stored(dir, Files.size(dir.resolve(DATA)) + Files.size(dir.resolve(META)), used));
                } catch (NoSuchFileException e) {
                    // being evicted by another instance
                }
            }
        }
        return all;
    }

    private Optional<CachedEntry> damaged(Path dir) {
        problems++;
        try {
            remove(dir);
        } catch (IOException e) {
            // another instance may be removing it too; a miss either way
        }
        return Optional.empty();
    }

    private void touch(Path meta) {
        try {
            Files.setLastModifiedTime(meta, FileTime.from(clock.instant()));
        } catch (IOException e) {
            // a read-only volume still serves hits; the entry just ages
        }
    }

    /** Takes an entry out of the cache at once (one rename), then deletes it. */
    private void remove(Path dir) throws IOException {
        Path gone = temporary.resolve("gone-" + UUID.randomUUID());
        try {
            Files.move(dir, gone, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return; // already removed by another instance
        }
        removeTree(gone);
    }

    private static void removeTree(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        } catch (NoSuchFileException e) {
            return;
        }
        Files.deleteIfExists(dir);
    }

    /** The file's identity (device and inode) where the file system gives one; null otherwise. */
    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static long checksum(FileChannel data) throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
        long at = 0;
        int n;
        while ((n = data.read(buffer, at)) > 0) {
            buffer.flip();
            crc.update(buffer);
            buffer.clear();
            at += n;
        }
        return crc.getValue();
    }

    private static long attributesChecksum(Map<String, String> attributes) {
        CRC32C crc = new CRC32C();
        new java.util.TreeMap<>(attributes).forEach((k, v) -> crc.update((k + "=" + v + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return crc.getValue();
    }

    private static Map<String, String> attributes(Properties meta) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : meta.stringPropertyNames()) {
            if (name.startsWith("attribute.")) {
                out.put(name.substring("attribute.".length()), meta.getProperty(name));
            }
        }
        return Map.copyOf(out);
    }

    private static void close(FileChannel c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing was read from it
            }
        }
    }

    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    @Override
    public String toString() {
        return "disk cache in " + entries.getParent() + " of at most " + maxBytes + " bytes";
    }
}
