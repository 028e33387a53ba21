package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.layer.LayeredFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An overlay of layer trees that does not add up to its image is found out: before the container is created when
 * the owners are changed entry by entry, and by the check beside the run with id-mapped trees (which also finds a
 * file whose owner or mode is not the image's). The trees are tampered with here, as a bug or a damaged store would.
 */
class OverlayRootfsCheckTest {

    private static final IdMapping SHIFTED = new IdMapping(231072, 362144, HostIdPool.RANGE_SIZE);

    @TempDir
    Path temp;

    private LayerTreeStore store;
    private LayeredFileSystem image;
    private Path tree;

    @BeforeEach
    void tamperedTree() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && RootfsUnpacker.onPath("mknod"), "needs root");
        Path staged = Files.createDirectories(temp.resolve("image/staged"));
        TarLayers.file(staged, "etc/app.conf", "x\n", 33, 33, 0640);
        TarLayers.file(staged, "usr/bin/app", "#!", 0, 0, 0755);
        image = new TarLayers(temp.resolve("image")).layer(staged).image();
        store = LayerTreeStore.open(temp.resolve("trees"), 1L << 30);
        assumeTrue(store.overlayProblem() == null, "no overlay of trees here: " + store.overlayProblem());
        store.acquire(image).close();  // published
        tree = store.directory().resolve(LayerTreeStore.key(image.layers().get(0).digest())).resolve("tree");
    }

    @Test
    void aStrayFileInATreeStopsTheWalkBeforeTheContainerIsCreated() throws Exception {
        Files.writeString(tree.resolve("etc/stray"), "not in the image");
        List<UnpackReport.Skipped> skipped = new ArrayList<>();
        assertThatThrownBy(() -> OverlayRootfs.mount(Files.createDirectory(temp.resolve("bundle")), store.acquire(image), image,
                SHIFTED, OverlayRootfs.Owners.CHANGED_BY_WALK, skipped))
                .hasMessageContaining("1 paths the image does not have (e.g. /etc/stray)");
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(temp.toString());
        assertThat(store.layers()).as("the damaged tree is removed").isEmpty();
    }

    @Test
    void idMappedTreesAreCheckedBesideTheRunForStraysAndOwners() throws Exception {
        assumeTrue(store.owners(SHIFTED) == OverlayRootfs.Owners.MAPPED_BY_MOUNT, "no id-mapped trees here: " + store.idMapProblem());
        Files.writeString(tree.resolve("etc/stray"), "not in the image");
        Files.setAttribute(tree.resolve("usr/bin/app"), "unix:uid", 7);
        List<UnpackReport.Skipped> skipped = new ArrayList<>();
        try (OverlayRootfs overlay = OverlayRootfs.mount(Files.createDirectory(temp.resolve("bundle")), store.acquire(image), image,
                SHIFTED, OverlayRootfs.Owners.MAPPED_BY_MOUNT, skipped)) {
            // The container would already run here; the check says what it ran on.
            assertThat(Files.getAttribute(overlay.rootfs().resolve("etc/app.conf"), "unix:uid")).isEqualTo((int) SHIFTED.hostUid(33));
            assertThat(overlay.awaitCheck(Duration.ofSeconds(30)))
                    .contains("1 paths the image does not have (e.g. /etc/stray)", "1 with another owner or mode (e.g. /usr/bin/app)");
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(temp.toString());
        // The damaged tree is gone: the next run unpacks its layer again, and that one passes.
        assertThat(store.layers()).isEmpty();
        try (OverlayRootfs again = OverlayRootfs.mount(Files.createDirectory(temp.resolve("again")), store.acquire(image), image,
                SHIFTED, OverlayRootfs.Owners.MAPPED_BY_MOUNT, new ArrayList<>())) {
            assertThat(again.treesUnpacked()).isEqualTo(1);
            assertThat(again.awaitCheck(Duration.ofSeconds(30))).isNull();
        }
    }

    @Test
    void untouchedIdMappedTreesPassTheCheck() throws Exception {
        assumeTrue(store.owners(SHIFTED) == OverlayRootfs.Owners.MAPPED_BY_MOUNT, "no id-mapped trees here: " + store.idMapProblem());
        try (OverlayRootfs overlay = OverlayRootfs.mount(Files.createDirectory(temp.resolve("bundle")), store.acquire(image), image,
                SHIFTED, OverlayRootfs.Owners.MAPPED_BY_MOUNT, new ArrayList<>())) {
            assertThat(overlay.awaitCheck(Duration.ofSeconds(30))).isNull();
            assertThat(Files.getAttribute(overlay.rootfs().resolve("usr/bin/app"), "unix:uid")).isEqualTo((int) SHIFTED.hostUid(0));
        }
    }
}
