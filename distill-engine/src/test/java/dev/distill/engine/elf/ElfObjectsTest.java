package dev.distill.engine.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.fs.OpenCountingFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ElfObjectsTest {


    @Test
    void prefetchParsesEveryElfOnceAndLaterLookupsReadNothing() throws IOException {
        byte[] ls = Files.readAllBytes(Path.of("/usr/bin/ls"));
        OpenCountingFileSystem fs = new OpenCountingFileSystem(MemoryFileSystem.builder()
                .file("/usr/bin/ls", ls, 0755)
                .file("/etc/motd", "not an elf\n")
                .file("/usr/lib/broken.so", new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1}, 0644)
                .build());
        ElfObjects objects = new ElfObjects(fs);
        List<FileEntry> files = fs.entries().filter(FileEntry::isRegular).toList();

        assertThat(objects.prefetch(files, 64 << 20)).isEqualTo(2);
        int afterPrefetch = fs.opened().size();
        FileEntry lsEntry = fs.entry("/usr/bin/ls").orElseThrow();
        assertThat(objects.elf(lsEntry).interpreter()).hasValue("/lib64/ld-linux-x86-64.so.2");
        assertThat(objects.header(lsEntry)).hasSize(ElfObjects.HEADER_BYTES);
        assertThat(objects.looksLikeElf(fs.entry("/etc/motd").orElseThrow())).isFalse();
        assertThatThrownBy(() -> objects.elf(fs.entry("/usr/lib/broken.so").orElseThrow()))
                .isInstanceOf(ElfFormatException.class);
        assertThat(fs.opened().size()).isEqualTo(afterPrefetch);
    }
}
