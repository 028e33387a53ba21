package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listing an overlay rootfs is checked with ({@link OverlayRootfs#list}, GNU find's records): every entry with
 * its type, owner and mode bits (setuid included), names with spaces and newlines intact, symlinks not followed.
 */
class RootfsListingTest {

    @TempDir
    Path root;

    @Test
    void everyEntryIsListedWithTypeOwnerAndModeAndItsNameIntact() throws Exception {
        Path dir = Files.createDirectories(root.resolve("usr/bin"));
        Path tool = Files.writeString(dir.resolve("tool"), "#!");
        Files.setAttribute(tool, "unix:mode", 04750);
        Files.writeString(root.resolve("a name with spaces"), "x");
        Files.writeString(root.resolve("line\nbreak"), "x");
        Files.createSymbolicLink(root.resolve("link"), Path.of("/usr/bin/tool"));
        Files.createSymbolicLink(root.resolve("into"), dir);  // never followed: its children are not listed under it

        Map<String, OverlayRootfs.Found> found = OverlayRootfs.list(root, false).stream()
                .collect(Collectors.toMap(OverlayRootfs.Found::path, Function.identity()));

        assertThat(found.keySet()).containsExactlyInAnyOrder("/", "/usr", "/usr/bin", "/usr/bin/tool", "/a name with spaces",
                "/line\nbreak", "/link", "/into");
        OverlayRootfs.Found t = found.get("/usr/bin/tool");
        assertThat(t.type()).isEqualTo(0100000);
        assertThat(t.mode()).isEqualTo(04750);
        assertThat(t.uid()).isEqualTo(((Number) Files.getAttribute(tool, "unix:uid")).longValue());
        assertThat(t.gid()).isEqualTo(((Number) Files.getAttribute(tool, "unix:gid")).longValue());
        assertThat(found.get("/usr").type()).isEqualTo(0040000);
        assertThat(found.get("/link").type()).isEqualTo(0120000);
        assertThat(found.get("/into").type()).isEqualTo(0120000);
        assertThat(found.get("/").mode()).isEqualTo((Integer) Files.getAttribute(root, "unix:mode") & 07777);

        // Directories only (what a run with id-mapped trees lists before its start): a symlink to one is not one.
        assertThat(OverlayRootfs.list(root, true)).extracting(OverlayRootfs.Found::path).containsExactlyInAnyOrder("/", "/usr", "/usr/bin");
    }
}
