package dev.distill.engine.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskCacheTest {

    @TempDir
    Path dir;

    /** A clock that moves one second per reading, so access order is unambiguous. */
    private static final class Ticking extends Clock {
        private long seconds = 1_700_000_000L;

        @Override
        public synchronized Instant instant() {
            return Instant.ofEpochSecond(seconds++);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static CacheKey key(String name) {
        return new CacheKey("test-value", "sha256:" + name, 1);
    }

    private static byte[] bytes(int n, char c) {
        return String.valueOf(c).repeat(n).getBytes(StandardCharsets.US_ASCII);
    }

    private static String read(DiskCache cache, CacheKey key) throws IOException {
        Optional<CachedEntry> found = cache.find(key);
        if (found.isEmpty()) {
            return null;
        }
        try (CachedEntry e = found.get(); InputStream in = e.open()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void storesAValueWithItsAttributesAndFindsItAfterARestart() throws IOException {
        DiskCache cache = new DiskCache(dir, 1 << 20);
        assertThat(cache.find(key("a"))).isEmpty();
        assertThat(cache.put(key("a"), Map.of("digest", "sha256:abc"), out -> out.write(bytes(10, 'a')))).isTrue();

        DiskCache restarted = new DiskCache(dir, 1 << 20);
        assertThat(read(restarted, key("a"))).isEqualTo("aaaaaaaaaa");
        try (CachedEntry e = restarted.find(key("a")).orElseThrow()) {
            assertThat(e.attribute("digest")).isEqualTo("sha256:abc");
            assertThat(e.length()).isEqualTo(10);
            Path copy = dir.resolveSibling(dir.getFileName() + "-copy");
            e.copyTo(copy);
            assertThat(Files.readString(copy)).isEqualTo("aaaaaaaaaa");
            Files.delete(copy);
        }
        // Another version or subject of the same kind is another entry.
        assertThat(restarted.find(new CacheKey("test-value", "sha256:a", 2))).isEmpty();
    }

    @Test
    void aValueBeingWrittenIsInvisibleUntilCommittedAndGoneWhenAbandoned() throws IOException {
        DiskCache cache = new DiskCache(dir, 1 << 20);
        try (DiskCache.Pending p = cache.begin(key("a"))) {
            p.out().write(bytes(100_000, 'x'));
            p.out().flush();
            assertThat(cache.find(key("a"))).isEmpty();
            assertThat(cache.contains(key("a"))).isFalse();
            p.commit(Map.of());
        }
        assertThat(read(cache, key("a"))).hasSize(100_000);

        try (DiskCache.Pending p = cache.begin(key("b"))) {
            p.out().write(bytes(10, 'b'));
            // closed without commit: a failed computation publishes nothing
        }
        assertThat(cache.find(key("b"))).isEmpty();
        try (Stream<Path> tmp = Files.list(dir.resolve("tmp"))) {
            assertThat(tmp).isEmpty();
        }
    }

    @Test
    void evictsTheLeastRecentlyUsedBeyondTheSizeLimit() throws IOException {
        DiskCache cache = new DiskCache(dir, 3_000, new Ticking());
        cache.put(key("a"), Map.of(), out -> out.write(bytes(800, 'a')));
        cache.put(key("b"), Map.of(), out -> out.write(bytes(800, 'b')));
        cache.put(key("c"), Map.of(), out -> out.write(bytes(800, 'c')));
        assertThat(read(cache, key("a"))).isNotNull(); // a is used again: b is now the least recently used
        cache.put(key("d"), Map.of(), out -> out.write(bytes(800, 'd')));

        assertThat(read(cache, key("b"))).as("least recently used").isNull();
        assertThat(read(cache, key("a"))).isNotNull();
        assertThat(read(cache, key("c"))).isNotNull();
        assertThat(read(cache, key("d"))).isNotNull();
        assertThat(cache.size()).isLessThanOrEqualTo(3_000);
    }

    @Test
    void aDamagedEntryIsDroppedAndNeverServed() throws IOException {
        DiskCache cache = new DiskCache(dir, 1 << 20);
        cache.put(key("flipped"), Map.of(), out -> out.write(bytes(1000, 'a')));
        cache.put(key("torn"), Map.of(), out -> out.write(bytes(1000, 'a')));
        cache.put(key("garbled"), Map.of(), out -> out.write(bytes(1000, 'a')));
        Path flipped = entry(key("flipped"));
        byte[] data = Files.readAllBytes(flipped.resolve("data"));
        data[500] = 'b';
        Files.write(flipped.resolve("data"), data);
        Files.write(entry(key("torn")).resolve("data"), bytes(400, 'a')); // a crash mid-write, as if
        Files.writeString(entry(key("garbled")).resolve("meta"), "kind=test-value\nsubject=sha256:garbled\nversion=1\nlength=x\n");

        for (String name : List.of("flipped", "torn", "garbled")) {
            assertThat(cache.find(key(name))).as(name).isEmpty();
            assertThat(Files.exists(entry(key(name)))).as(name + " removed").isFalse();
        }
        assertThat(cache.problems()).isEqualTo(3);
        // Recomputed and stored again, it is served.
        cache.put(key("torn"), Map.of(), out -> out.write(bytes(1000, 'a')));
        assertThat(read(cache, key("torn"))).hasSize(1000);
    }

    @Test
    void twoInstancesOnOneDirectoryWriteTheSameKeyAtOnceAndBothSucceed() throws Exception {
        DiskCache one = new DiskCache(dir, 1 << 20);
        DiskCache two = new DiskCache(dir, 1 << 20);
        CyclicBarrier together = new CyclicBarrier(8);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> done = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                DiskCache cache = i % 2 == 0 ? one : two;
                Callable<Boolean> write = () -> {
                    try (DiskCache.Pending p = cache.begin(key("same"))) {
                        p.out().write(bytes(50_000, 's'));
                        together.await();
                        p.commit(Map.of("n", "same"));
                    }
                    return read(cache, key("same")).length() == 50_000;
                };
                done.add(pool.submit(write));
            }
            for (Future<Boolean> f : done) {
                assertThat(f.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> entries = Files.list(dir.resolve("entries")); Stream<Path> tmp = Files.list(dir.resolve("tmp"))) {
            assertThat(entries).hasSize(1);
            assertThat(tmp).isEmpty();
        }
    }

    @Test
    void anEntryHeldOpenSurvivesItsEvictionByAnotherInstance() throws IOException {
        DiskCache reader = new DiskCache(dir, 1 << 20);
        reader.put(key("a"), Map.of(), out -> out.write(bytes(2000, 'a')));
        try (CachedEntry held = reader.find(key("a")).orElseThrow()) {
            DiskCache small = new DiskCache(dir, 1000);
            small.put(key("b"), Map.of(), out -> out.write(bytes(10, 'b'))); // prunes a away
            assertThat(reader.find(key("a"))).isEmpty();
            try (InputStream in = held.open()) {
                assertThat(in.readAllBytes()).hasSize(2000);
            }
        }
    }

    @Test
    void aValueIsLinkedWhereItCanBeAndTheLinkOutlivesTheEntry() throws IOException {
        DiskCache cache = new DiskCache(dir.resolve("cache"), 1 << 20);
        cache.put(key("a"), Map.of(), out -> out.write(bytes(3000, 'a')));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        try (CachedEntry found = cache.find(key("a")).orElseThrow()) {
            found.linkOrCopyTo(spool.resolve("a"));
        }
        assertThat(Files.getAttribute(spool.resolve("a"), "unix:nlink")).isEqualTo(2);  // the cache's name and the spool's

        cache.remove(key("a"));
        assertThat(cache.find(key("a"))).isEmpty();
        assertThat(Files.readString(spool.resolve("a"))).isEqualTo("a".repeat(3000));
        assertThat(Files.getAttribute(spool.resolve("a"), "unix:nlink")).isEqualTo(1);
    }

    @Test
    void anEntryRemovedBeforeItIsLinkedIsCopiedFromTheFileHeldOpen() throws IOException {
        // As another instance's eviction would, between the lookup and the link.
        Path spooled = spoolAfter(cache -> cache.remove(key("a")));
        assertThat(Files.readString(spooled)).isEqualTo("a".repeat(3000));
        assertThat(Files.getAttribute(spooled, "unix:nlink")).isEqualTo(1);
    }

    @Test
    void anEntryReplacedBeforeItIsLinkedIsCopiedNotLinkedToTheUncheckedFile() throws IOException {
        Path spooled = spoolAfter(cache -> {
            cache.remove(key("a"));
            cache.put(key("a"), Map.of(), out -> out.write(bytes(3000, 'a')));  // another instance stored it again
        });
        assertThat(Files.readString(spooled)).isEqualTo("a".repeat(3000));
        assertThat(Files.getAttribute(spooled, "unix:nlink")).isEqualTo(1);
    }

    /** Stores "a" (3000 bytes), finds it, does {@code meanwhile}, then spools it with {@code linkOrCopyTo}. */
    private Path spoolAfter(java.util.function.Consumer<DiskCache> meanwhile) throws IOException {
        DiskCache cache = new DiskCache(dir.resolve("cache"), 1 << 20);
        cache.put(key("a"), Map.of(), out -> out.write(bytes(3000, 'a')));
        Path spooled = Files.createDirectories(dir.resolve("spool")).resolve("a");
        try (CachedEntry found = cache.find(key("a")).orElseThrow()) {
            meanwhile.accept(cache);
            found.linkOrCopyTo(spooled);
        }
        return spooled;
    }

    @Test
    void rejectsBadKeysNamingTheBadValue() {
        assertThatThrownBy(() -> new CacheKey("Layer Facts", "x", 1)).hasMessageContaining("'Layer Facts'");
        assertThatThrownBy(() -> new CacheKey("facts", "", 1)).hasMessageContaining("subject");
        assertThatThrownBy(() -> new DiskCache(dir, 0)).hasMessageContaining("0 bytes");
    }

    private Path entry(CacheKey key) {
        return dir.resolve("entries").resolve(key.fileName());
    }
}
