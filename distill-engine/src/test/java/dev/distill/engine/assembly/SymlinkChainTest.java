package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.MemoryFileSystem;
import org.junit.jupiter.api.Test;

class SymlinkChainTest {

    /** A usr-merged layout: /lib -> usr/lib, and a library reached through a versioned link. */
    private final MemoryFileSystem fs = MemoryFileSystem.builder()
            .directory("/usr/lib/x86_64-linux-gnu", 0755)
            .symlink("/lib", "usr/lib")
            .file("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "zlib")
            .symlink("/usr/lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13")
            .symlink("/etc/localtime", "/usr/share/zoneinfo/UTC")
            .symlink("/loop/a", "b")
            .symlink("/loop/b", "a")
            .build();

    @Test
    void everyLinkOnTheWayAndTheFileAtTheEnd() {
        assertThat(SymlinkChain.of(fs, "/lib/x86_64-linux-gnu/libz.so.1")).extracting(FileEntry::path)
                .containsExactly("/lib", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13");
    }

    @Test
    void aPlainFileIsItself() {
        assertThat(SymlinkChain.of(fs, "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13")).extracting(FileEntry::path)
                .containsExactly("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13");
    }

    @Test
    void aDanglingLinkOrALoopOrAMissingPathGivesNothingToCarry() {
        assertThat(SymlinkChain.of(fs, "/etc/localtime")).isEmpty();
        assertThat(SymlinkChain.of(fs, "/loop/a")).isEmpty();
        assertThat(SymlinkChain.of(fs, "/usr/lib/nothing.so")).isEmpty();
    }
}
