package dev.distill.engine.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FileIndexTest {

    private final MemoryFileSystem fs = MemoryFileSystem.builder()
            .file("/lib/x86_64-linux-gnu/libc.so.6", new byte[] {1}, 0755)
            .symlink("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
            .file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", new byte[] {2}, 0755)
            .symlink("/usr/lib/libfoo.so", "../../lib/x86_64-linux-gnu/libc.so.6")
            .symlink("/escape", "../../../../etc/passwd")
            .file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n")
            .symlink("/bin", "usr/bin")
            .file("/usr/bin/php", new byte[] {3}, 0755)
            .hardlink("/usr/bin/php8", "/usr/bin/php")
            .symlink("/loop/a", "b")
            .symlink("/loop/b", "a")
            .symlink("/dangling", "/nowhere")
            .build();

    @Test
    void absoluteAndRelativeLinksResolveInsideTheImage() {
        assertThat(fs.resolve("/lib64/ld-linux-x86-64.so.2")).get().extracting(FileEntry::path)
                .isEqualTo("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        assertThat(fs.resolve("/usr/lib/libfoo.so")).get().extracting(FileEntry::path)
                .isEqualTo("/lib/x86_64-linux-gnu/libc.so.6");
        assertThat(fs.resolve("/bin/php")).get().extracting(FileEntry::path).isEqualTo("/usr/bin/php");
    }

    @Test
    void dotDotNeverLeavesTheRoot() {
        assertThat(fs.resolve("/escape")).get().extracting(FileEntry::path).isEqualTo("/etc/passwd");
        assertThat(fs.resolve("/../../etc/passwd")).get().extracting(FileEntry::path).isEqualTo("/etc/passwd");
    }

    @Test
    void hardLinksResolveToTheirData() {
        assertThat(fs.entry("/usr/bin/php8")).get().extracting(FileEntry::type).isEqualTo(FileType.HARDLINK);
        assertThat(fs.resolve("/usr/bin/php8")).get().extracting(FileEntry::path).isEqualTo("/usr/bin/php");
    }

    @Test
    void loopsAreReportedAndDanglingLinksAreEmpty() {
        assertThatThrownBy(() -> fs.resolve("/loop/a")).isInstanceOf(ImageFileSystem.SymlinkLoopException.class)
                .hasMessageContaining("/loop/a");
        assertThat(fs.resolve("/dangling")).isEmpty();
        assertThat(fs.resolve("/etc/passwd/x")).isEmpty();
    }

    @Test
    void listingFollowsTheDirectoryLink() {
        assertThat(fs.list("/bin")).extracting(FileEntry::path).containsExactly("/usr/bin/php", "/usr/bin/php8");
        assertThat(fs.list("/")).extracting(FileEntry::path).contains("/bin", "/etc", "/usr");
    }

    @Test
    void pathsAreNormalisedAndClampedAtTheRoot() {
        assertThat(Paths.normalize("a//b/./c/../d/")).isEqualTo("/a/b/d");
        assertThat(Paths.normalize("/../..")).isEqualTo("/");
        assertThat(Paths.parent("/a")).isEqualTo("/");
        assertThat(Paths.join("/usr", "../etc")).isEqualTo("/etc");
    }
}
