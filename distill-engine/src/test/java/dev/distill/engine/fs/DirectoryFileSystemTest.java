package dev.distill.engine.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryFileSystemTest {

    @TempDir
    Path tmp;
    Path root;
    Path outside;
    DirectoryFileSystem fs;

    @BeforeEach
    void rootfs() throws IOException {
        root = Files.createDirectories(tmp.resolve("rootfs"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret"), "host secret");
        Files.createDirectories(root.resolve("usr/lib/x86_64-linux-gnu"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        Files.write(root.resolve("usr/lib/x86_64-linux-gnu/libc.so.6"), new byte[] {1, 2, 3});
        Files.setPosixFilePermissions(root.resolve("usr/lib/x86_64-linux-gnu/libc.so.6"),
                PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        Files.createSymbolicLink(root.resolve("abs-passwd"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(root.resolve("escape"), Path.of("../../../../../etc/passwd"));
        // Points at a host directory by absolute path: inside the image it must mean <root>/<that path>.
        Files.createSymbolicLink(root.resolve("hostdir"), outside);
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        fs = new DirectoryFileSystem(root);
    }

    @Test
    void entriesAreLstatAndLinksResolveInsideTheRoot() throws IOException {
        assertThat(fs.entry("/lib")).get().satisfies(e -> {
            assertThat(e.type()).isEqualTo(FileType.SYMLINK);
            assertThat(e.linkTarget()).isEqualTo("usr/lib");
        });
        assertThat(fs.entry("/usr/lib/x86_64-linux-gnu/libc.so.6")).get().satisfies(e -> {
            assertThat(e.type()).isEqualTo(FileType.REGULAR);
            assertThat(e.mode()).isEqualTo(0755);
            assertThat(e.size()).isEqualTo(3);
        });
        assertThat(fs.resolve("/lib/x86_64-linux-gnu/libc.so.6")).get().extracting(FileEntry::path)
                .isEqualTo("/usr/lib/x86_64-linux-gnu/libc.so.6");
        assertThat(fs.resolve("/abs-passwd")).get().extracting(FileEntry::path).isEqualTo("/etc/passwd");
        assertThat(fs.resolve("/escape")).get().extracting(FileEntry::path).isEqualTo("/etc/passwd");
        assertThat(new String(fs.read(fs.resolve("/abs-passwd").orElseThrow(), 100), StandardCharsets.UTF_8))
                .startsWith("root:");
    }

    @Test
    void aPathThroughASymlinkedDirectoryIsNotAnEntryAndHostLinksAreNeverFollowed() {
        // Only the walk may follow /lib; lstat of /lib/... must not let the host follow it.
        assertThat(fs.entry("/lib/x86_64-linux-gnu/libc.so.6")).isEmpty();
        assertThat(fs.resolve("/hostdir/secret")).isEmpty();
        assertThat(fs.entry("/hostdir/secret")).isEmpty();
        assertThatThrownBy(() -> fs.open(new FileEntry("/hostdir/secret", FileType.REGULAR, 0644, 0, 0, 1, null, null, 0)))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> fs.resolve("/loop")).isInstanceOf(ImageFileSystem.SymlinkLoopException.class);
    }

    @Test
    void listAndEntriesAreInPathOrder() {
        assertThat(fs.list("/lib")).extracting(FileEntry::path).containsExactly("/usr/lib/x86_64-linux-gnu");
        assertThat(fs.list("/")).extracting(FileEntry::path)
                .containsExactly("/abs-passwd", "/escape", "/etc", "/hostdir", "/lib", "/loop", "/usr");
        assertThat(fs.entries()).extracting(FileEntry::path).contains("/etc/passwd",
                "/usr/lib/x86_64-linux-gnu/libc.so.6").isSorted();
    }

    @Test
    void theWalkReportsTheLinksItFollowed() {
        PathWalk.Trace t = PathWalk.trace(fs, "/lib/x86_64-linux-gnu/libc.so.6");
        assertThat(t.target()).get().extracting(FileEntry::path).isEqualTo("/usr/lib/x86_64-linux-gnu/libc.so.6");
        assertThat(t.links()).extracting(FileEntry::path).containsExactly("/lib");
        MemoryFileSystem mem = MemoryFileSystem.builder()
                .file("/usr/bin/php", new byte[] {1}, 0755)
                .hardlink("/usr/bin/php8", "/usr/bin/php")
                .symlink("/bin", "usr/bin")
                .symlink("/usr/local/bin/php", "/bin/php8")
                .build();
        PathWalk.Trace h = PathWalk.trace(mem, "/usr/local/bin/php");
        assertThat(h.target()).get().extracting(FileEntry::path).isEqualTo("/usr/bin/php");
        assertThat(h.links()).extracting(FileEntry::path)
                .containsExactly("/usr/local/bin/php", "/bin", "/usr/bin/php8");
    }
}
