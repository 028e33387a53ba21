package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ForwardingFileSystem;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.MemoryFileSystem;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BaseContentTest {

    /** A base that says which files were opened: for a base in a registry, each open reads the file's whole layer. */
    private static final class CountingBase extends ForwardingFileSystem {
        final List<String> opened = new ArrayList<>();
        private final ImageFileSystem fs;

        CountingBase(ImageFileSystem fs) {
            this.fs = fs;
        }

        @Override
        protected ImageFileSystem delegate() {
            return fs;
        }

        @Override
        public InputStream open(FileEntry file) throws IOException {
            opened.add(file.path());
            return super.open(file);
        }
    }

    @Test
    void aTextOfTheBaseIsReadOncePerBaseHoweverManyBuildsAskForIt() throws Exception {
        CountingBase fs = new CountingBase(MemoryFileSystem.builder()
                .file("/usr/share/base-passwd/passwd", "root:x:0:0:root:/root:/sbin/nologin\n")
                .symlink("/etc/passwd", "../usr/share/base-passwd/passwd")
                .file("/etc/group", "root:x:0:\n")
                .build());
        BaseContent base = BaseContent.of(fs);
        fs.opened.clear();

        for (int build = 0; build < 3; build++) {
            assertThat(base.text("/etc/passwd")).isEqualTo("root:x:0:0:root:/root:/sbin/nologin\n");
            assertThat(base.text("/etc/group")).isEqualTo("root:x:0:\n");
            assertThat(base.text("/etc/shadow")).as("none there").isEmpty();
        }

        assertThat(fs.opened).containsExactly("/usr/share/base-passwd/passwd", "/etc/group");
    }
}
