package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.fs.OpenCountingFileSystem;
import org.junit.jupiter.api.Test;

class BaseContentTest {

    @Test
    void aTextOfTheBaseIsReadOncePerBaseHoweverManyBuildsAskForIt() throws Exception {
        // For a base in a registry, each open reads the file's whole layer.
        OpenCountingFileSystem fs = new OpenCountingFileSystem(MemoryFileSystem.builder()
                .file("/usr/share/base-passwd/passwd", "root:x:0:0:root:/root:/sbin/nologin\n")
                .symlink("/etc/passwd", "../usr/share/base-passwd/passwd")
                .file("/etc/group", "root:x:0:\n")
                .build());
        BaseContent base = BaseContent.of(fs);
        fs.clear();

        for (int build = 0; build < 3; build++) {
            assertThat(base.text("/etc/passwd")).isEqualTo("root:x:0:0:root:/root:/sbin/nologin\n");
            assertThat(base.text("/etc/group")).isEqualTo("root:x:0:\n");
            assertThat(base.text("/etc/shadow")).as("none there").isEmpty();
        }

        assertThat(fs.opened()).containsExactly("/usr/share/base-passwd/passwd", "/etc/group");
    }
}
