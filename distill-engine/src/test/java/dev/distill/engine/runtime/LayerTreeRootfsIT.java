package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.layer.LayeredFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers under runc whose rootfs is an overlay of shared layer trees: they see the image's merged tree with the
 * image's owners, their writes never reach the shared trees, and no mount outlives them, not even a killed instance's.
 */
class LayerTreeRootfsIT {

    @TempDir
    Path temp;

    @BeforeEach
    void needsRunc() {
        assumeTrue(Busybox.runnable() && RootfsUnpacker.onPath("mknod") && RootfsUnpacker.onPath("setfattr")
                && RootfsUnpacker.onPath("getfattr"), "needs root, runc, busybox, mknod, setfattr and getfattr");
    }

    @Test
    void containersSeeTheImageWithItsOwnersAndCannotChangeTheSharedTrees() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("image"));
        Path lower = Files.createDirectories(dir.resolve("lower"));
        TarLayers.busybox(lower);
        TarLayers.file(lower, "var/www/index.html", "shared bytes\n", 33, 33, 0640);
        Files.setAttribute(lower.resolve("var/www"), "unix:uid", 33);
        Files.setAttribute(lower.resolve("var/www"), "unix:gid", 33);
        Files.setAttribute(lower.resolve("var/www"), "unix:mode", 0750);
        TarLayers.file(lower, "usr/bin/tool", "#!", 0, 0, 04755);
        TarLayers.file(lower, "high-id", "x", 70000, 70000, 04755);
        TarLayers.file(lower, "gone.txt", "deleted above\n", 0, 0, 0644);
        TarLayers.file(lower, "opaque/old.txt", "hidden above\n", 0, 0, 0644);
        Path upper = Files.createDirectories(dir.resolve("upper"));
        TarLayers.file(upper, ".wh.gone.txt", "", 0, 0, 0644);
        TarLayers.file(upper, "opaque/.wh..wh..opq", "", 0, 0, 0644);
        TarLayers.file(upper, "opaque/new.txt", "new\n", 0, 0, 0644);
        // A top layer that names only its file: its tree makes /var/www (root's, 0755), and the image keeps the lower
        // layer's /var/www (33:33, 0750), which the run must show.
        Path top = Files.createDirectories(dir.resolve("top"));
        TarLayers.file(top, "var/www/implied.html", "top\n", 33, 33, 0644);
        LayeredFileSystem image = new TarLayers(dir).layer(lower).layer(upper).filesOnly(top, "var/www/implied.html").image();
        LayerTreeStore store = LayerTreeStore.open(temp.resolve("trees"), 1L << 30);
        Path sharedFile = store.directory().resolve(LayerTreeStore.key(image.layers().get(0).digest())).resolve("tree/var/www/index.html");

        Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(20))
                .withLayerTrees(store));
        try {
            ContainerRun readOnly = sandbox.create("read-only", image, Busybox.shell("ls /opaque; test -e /gone.txt && echo gone-is-there; "
                    + "stat -c '%u:%g %a %n' /var/www /var/www/index.html /var/www/implied.html /usr/bin/tool /high-id /; "
                    + "echo x > /var/www/index.html || echo refused"));
            readOnly.start();
            assertThat(readOnly.awaitExit(Duration.ofSeconds(15))).isTrue();
            assertThat(readOnly.unpack().overlay()).as(readOnly.unpack().method()).isTrue();
            // Owners id-mapped where this host can (the probe says why not elsewhere), else changed by the walk.
            assertThat(readOnly.unpack().method()).contains(store.idMapProblem() == null ? "owners id-mapped" : "owners changed by a walk");
            assertThat(readOnly.log()).contains("new.txt", "33:33 750 /var/www\n", "33:33 640 /var/www/index.html\n",
                    "33:33 644 /var/www/implied.html\n",
                    "0:0 4755 /usr/bin/tool\n", "0:0 755 /\n", "refused").doesNotContain("old.txt", "gone-is-there");
            // As a full unpack does: an id the namespace cannot map is nobody's, without its setuid bit, and reported.
            assertThat(readOnly.log()).contains("65534:65534 755 /high-id\n");
            assertThat(readOnly.unpack().skipped()).anySatisfy(k -> assertThat(k.path()).isEqualTo("/high-id"));

            ContainerRun writable = sandbox.create("writable", image, Busybox.shell("echo changed > /var/www/index.html && chown 0:0 "
                    + "/var/www/index.html && rm /opaque/new.txt && cat /var/www/index.html && echo done").withWritableRoot());
            writable.start();
            assertThat(writable.awaitExit(Duration.ofSeconds(15))).isTrue();
            assertThat(writable.log()).contains("changed\n", "done");
            // The write went to this container's upper directory; the shared tree is as it was, with the image's own owner.
            assertThat(writable.bundle().resolve(OverlayRootfs.WRITABLE_LAYER).resolve("upper/var/www/index.html")).hasContent("changed");
            assertThat(sharedFile).hasContent("shared bytes");
            assertThat(Files.getAttribute(sharedFile, "unix:uid")).isEqualTo(33);
            assertThat(store.directory().resolve(LayerTreeStore.key(image.layers().get(1).digest())).resolve("tree/opaque/new.txt"))
                    .hasContent("new");
        } finally {
            SandboxTest.closeAndExpectNothingLeft(sandbox);
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(store.directory().toString());
        // No run holds the trees any more: they can all be evicted.
        LayerTreeStore.open(store.directory(), 1).evict();
        assertThat(store.layers()).isEmpty();
    }

    @Test
    void aLayersHardLinksStayOneFileInTheContainer() throws Exception {
        // Found by CorpusLayerTreeRootfsTest: without index=on the owner walk copied each name up to a file of its own.
        Path dir = Files.createDirectories(temp.resolve("image"));
        Path lower = Files.createDirectories(dir.resolve("lower"));
        TarLayers.busybox(lower);
        Path one = TarLayers.file(lower, "etc/one", "same file\n", 33, 33, 0644);
        Files.createLink(lower.resolve("etc/other"), one);
        LayeredFileSystem image = new TarLayers(dir).layer(lower).image();
        Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(20))
                .withLayerTrees(LayerTreeStore.open(temp.resolve("trees"), 1L << 30)));
        try {
            ContainerRun run = sandbox.create("linked", image, Busybox.shell("test \"$(stat -c %i /etc/one)\" = \"$(stat -c %i /etc/other)\" "
                    + "&& echo same-inode; stat -c '%h %u' /etc/other; echo changed > /etc/one; cat /etc/other").withWritableRoot());
            run.start();
            assertThat(run.awaitExit(Duration.ofSeconds(15))).isTrue();
            assertThat(run.unpack().overlay()).as(run.unpack().method()).isTrue();
            assertThat(run.log()).contains("same-inode\n", "2 33\n", "changed\n");
        } finally {
            SandboxTest.closeAndExpectNothingLeft(sandbox);
        }
    }

    @Test
    void aLayerThatCannotBeATreeOfItsOwnFallsBackToAFullUnpackAndSaysWhy() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("image"));
        Path lower = Files.createDirectories(dir.resolve("lower"));
        TarLayers.busybox(lower);
        // A hard link in the upper layer to the lower layer's busybox: the upper layer alone has no such file.
        LayeredFileSystem image = new TarLayers(dir).layer(lower).hardLinkLayer("bin/linked", "bin/busybox").image();
        Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(20))
                .withLayerTrees(LayerTreeStore.open(temp.resolve("trees"), 1L << 30)));
        try {
            ContainerRun run = sandbox.create("linked", image, Busybox.shell("stat -c '%h %n' /bin/linked"));
            run.start();
            assertThat(run.awaitExit(Duration.ofSeconds(15))).isTrue();
            assertThat(run.log()).contains("2 /bin/linked");
            assertThat(run.unpack().overlay()).isFalse();
            assertThat(run.unpack().method()).startsWith("full unpack (the overlay of layer trees failed: ").contains("hard link");
        } finally {
            SandboxTest.closeAndExpectNothingLeft(sandbox);
        }
    }

    @Test
    void anIdPoolThatCouldMapTheTreesOwnersGetsNoOverlay() throws Exception {
        Path dir = Files.createDirectories(temp.resolve("image"));
        TarLayers.busybox(Files.createDirectories(dir.resolve("lower")));
        LayeredFileSystem image = new TarLayers(dir).layer(dir.resolve("lower")).image();
        // Ids 65535-131070: a run's namespace would map host id 65535, which a tree's file may belong to. (Not a range
        // low in the host's ids: a lease is refused while a host process runs as an id of it, as a local stack's
        // verifier does as user distill.)
        HostIdPool low = new HostIdPool(65535, 65535, 1, temp.resolve("id-ranges"));
        Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(20))
                .withConfinement(Confinement.defaults().withUserNamespaces(low))
                .withLayerTrees(LayerTreeStore.open(temp.resolve("trees"), 1L << 30)));
        try {
            ContainerRun run = sandbox.create("low-ids", image, Busybox.shell("true"));
            assertThat(run.unpack().method()).startsWith("full unpack (the id pool").contains("overlaps the layer trees' owners");
        } finally {
            sandbox.close();
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(temp.toString());
    }

    @Test
    void theSweepUnmountsAKilledInstancesOverlayAndLeavesTheSharedTrees() throws Exception {
        Path root = Files.createDirectories(temp.resolve("work"));
        Path trees = root.resolve("layer-trees");
        try (ChildProcess dead = ChildProcess.start("overlay", root.toString(), trees.toString())) {
            Path sandboxDir = Path.of(dead.said().get(0));
            assertThat(dead.said().get(2)).startsWith("overlay");
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).contains(sandboxDir.toString());
            // Another live process uses the tree: however small the size, this process cannot evict it.
            LayerTreeStore.open(trees, 1).evict();
            assertThat(LayerTreeStore.open(trees, 1L << 30).layers()).hasSize(1);
            dead.kill9();

            SweepReport report = Sandbox.sweep(root, Sandbox.Options.defaults());

            assertThat(report.problems()).isEmpty();
            assertThat(report.removed()).containsExactly(sandboxDir);
            assertThat(report.mountsDetached()).isPositive();
            assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(root.toString());
            assertThat(sandboxDir).doesNotExist();
            LayerTreeStore store = LayerTreeStore.open(trees, 1L << 30);
            assertThat(store.layers()).as("the sweep leaves the store alone").hasSize(1);
            LayerTreeStore.open(trees, 1).evict();
            assertThat(store.layers()).as("the dead instance's hold on its tree ended with it").isEmpty();
        } finally {
            Sandbox.sweep(root, Sandbox.Options.defaults());
        }
    }
}
