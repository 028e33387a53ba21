package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.Whiteout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layer trees on disk: overlayfs's whiteouts, atomic publication, sharing between stores, LRU eviction. */
class LayerTreeStoreTest {

    @TempDir
    Path temp;

    @BeforeEach
    void needsRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")) && RootfsUnpacker.onPath("mknod") && RootfsUnpacker.onPath("setfattr")
                && RootfsUnpacker.onPath("tar"), "needs root, mknod, setfattr and GNU tar");
    }

    @Test
    void deletionsBecomeCharacterDevicesZeroZeroAndOpaqueDirectoriesGetTheTrustedXattr() throws Exception {
        Path tree = Files.createDirectories(temp.resolve("entry/tree"));
        Files.createDirectories(tree.resolve("etc/opaque"));
        Files.createDirectories(tree.resolve("again"));
        Files.writeString(tree.resolve("etc/replaced"), "new");

        LayerTreeStore.convertWhiteouts(tree, List.of(new Whiteout(0, "/etc/gone", false), new Whiteout(0, "/etc/also-gone", false),
                new Whiteout(0, "/etc/opaque", true), new Whiteout(0, "/again", false), new Whiteout(0, "/etc/replaced", false)));

        for (String gone : List.of("etc/gone", "etc/also-gone")) {
            Path p = tree.resolve(gone);
            assertThat(Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS)).as(gone)
                    .containsEntry("rdev", 0L).satisfies(a -> assertThat(((Integer) a.get("mode")) & 0170000).isEqualTo(0020000));
        }
        assertThat(opaque(tree.resolve("etc/opaque"))).isEqualTo("y");
        assertThat(opaque(tree.resolve("again"))).as("a deleted path the layer makes a directory again hides the lower one's children")
                .isEqualTo("y");
        assertThat(tree.resolve("etc/replaced")).hasContent("new");
        assertThat(opaque(tree.resolve("etc"))).isNull();
        try (var left = Files.list(tree.getParent())) {
            assertThat(left).containsExactly(tree);  // no template device or dump file left beside the tree
        }
    }

    @Test
    void treesArePublishedOnceAndSharedByStoresOnOneDirectory() throws Exception {
        LayeredFileSystem image = twoLayers("a");
        LayerTreeStore first = LayerTreeStore.open(temp.resolve("trees"), 1L << 30);
        LayerTreeStore second = LayerTreeStore.open(temp.resolve("trees"), 1L << 30);

        try (LayerTreeStore.Trees trees = first.acquire(image); LayerTreeStore.Trees again = second.acquire(image)) {
            assertThat(trees.unpacked()).isEqualTo(2);
            assertThat(again.unpacked()).isZero();
            assertThat(again.bottomFirst()).isEqualTo(trees.bottomFirst());
            assertThat(trees.bottomFirst().get(0).resolve("var/www/index.html")).hasContent("lower a")
                    .satisfies(p -> assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(33));
            assertThat(trees.bottomFirst().get(1).resolve("gone.txt")).satisfies(p -> assertThat(Files.readAttributes(p, "unix:rdev",
                    LinkOption.NOFOLLOW_LINKS)).containsEntry("rdev", 0L));
            assertThat(opaque(trees.bottomFirst().get(1).resolve("opaque"))).isEqualTo("y");
        }
        try (var names = Files.list(temp.resolve("trees"))) {
            assertThat(names.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("tmp-"));
        }
        assertThat(first.layers()).hasSize(2);
    }

    @Test
    void leastRecentlyUsedTreesGoFirstAndATreeInUseNeverGoes() throws Exception {
        LayeredFileSystem a = twoLayers("a");
        LayeredFileSystem b = twoLayers("b");
        LayeredFileSystem c = twoLayers("c");
        LayerTreeStore store = LayerTreeStore.open(temp.resolve("trees"), 1L << 30);
        store.acquire(a).close();
        Thread.sleep(20);  // distinct modification times
        store.acquire(b).close();
        long twoImages = store.usedBytes();
        // Room for two images (and a byte): adding a third evicts the least recently used, a, both its layers.
        LayerTreeStore small = LayerTreeStore.open(temp.resolve("trees"), twoImages + 1);
        try (LayerTreeStore.Trees inUse = small.acquire(c)) {
            assertThat(small.layers()).containsExactlyInAnyOrderElementsOf(names(b, c));
            // b is not in use; c is, and must stay however small the budget.
            LayerTreeStore tiny = LayerTreeStore.open(temp.resolve("trees"), 1);
            tiny.evict();
            assertThat(tiny.layers()).containsExactlyInAnyOrderElementsOf(names(c));
            assertThat(inUse.bottomFirst()).allSatisfy(p -> assertThat(p).isDirectory());
        }
        // Closing the last use lets it go.
        assertThat(small.layers()).containsExactlyInAnyOrderElementsOf(names(c));
        LayerTreeStore.open(temp.resolve("trees"), 1).evict();
        assertThat(small.layers()).isEmpty();
    }

    @Test
    void aTemporaryOfACrashedUnpackIsRemovedWhenAStoreOpens() throws Exception {
        LayerTreeStore.open(temp.resolve("trees"), 1L << 30);
        Path crashed = Files.createDirectories(temp.resolve("trees/tmp-0123456789abcdef/tree/usr"));
        Files.writeString(crashed.getParent().getParent().resolve(OwnedDirectory.LOCK_FILE), "pid 1: unpacking\n");  // nobody locks it

        LayerTreeStore.open(temp.resolve("trees"), 1L << 30);

        assertThat(temp.resolve("trees/tmp-0123456789abcdef")).doesNotExist();
    }

    private static List<String> names(LayeredFileSystem... images) {
        return java.util.Arrays.stream(images).flatMap(i -> i.layers().stream()).map(l -> LayerTreeStore.key(l.digest())).toList();
    }

    /** A lower layer and an upper one that deletes /gone.txt and makes /opaque opaque; {@code tag} makes the digests differ. */
    private LayeredFileSystem twoLayers(String tag) throws Exception {
        Path dir = Files.createDirectories(temp.resolve("image-" + tag));
        Path lower = Files.createDirectories(dir.resolve("lower"));
        TarLayers.file(lower, "var/www/index.html", "lower " + tag, 33, 33, 0644);
        TarLayers.file(lower, "gone.txt", "bye", 0, 0, 0644);
        TarLayers.file(lower, "opaque/old.txt", "old", 0, 0, 0644);
        Path upper = Files.createDirectories(dir.resolve("upper"));
        TarLayers.file(upper, ".wh.gone.txt", "", 0, 0, 0644);
        TarLayers.file(upper, "opaque/.wh..wh..opq", "", 0, 0, 0644);
        TarLayers.file(upper, "opaque/new.txt", "new " + tag, 0, 0, 0644);
        return new TarLayers(dir).layer(lower).layer(upper).image();
    }

    static String opaque(Path dir) throws Exception {
        Process p = new ProcessBuilder("getfattr", "--only-values", "-n", "trusted.overlay.opaque", dir.toString()).start();
        String value = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() == 0 ? value : null;
    }
}
