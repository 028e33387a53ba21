package dev.distill.engine.layer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.testing.TarWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Building the view while handing every layer's file data to a visitor: one read of each layer, nothing lost. */
class OnePassBuildTest {

    @TempDir
    java.nio.file.Path dir;

    private Blobs blobs;
    private Descriptor lower;
    private Descriptor upper;

    @BeforeEach
    void layers() {
        blobs = new Blobs(dir);
        TarWriter l = new TarWriter();
        l.file("/etc/app.conf", "old\n".getBytes(UTF_8), 0644);
        l.file("/etc/kept.conf", "kept\n".getBytes(UTF_8), 0644);
        l.file("/opt/gone/a", "a\n".getBytes(UTF_8), 0644);
        l.file("/usr/bin/tool", "tool v1\n".getBytes(UTF_8), 0755);
        l.hardlink("/usr/bin/tool-link", "/usr/bin/tool");
        lower = blobs.gzip(l.finish());
        TarWriter u = new TarWriter();
        u.file("/etc/app.conf", "new\n".getBytes(UTF_8), 0644);
        u.file("/opt/.wh.gone", new byte[0], 0644);
        u.file("/usr/bin/tool", "tool v2\n".getBytes(UTF_8), 0755); // the link keeps v1
        upper = blobs.gzip(u.finish());
    }

    @Test
    void theVisitorSeesEveryLayersFilesAndTheViewSaysWhichAreItsOwn() throws IOException {
        List<FileEntry> visited = new ArrayList<>();
        Map<FileEntry, String> bytes = new LinkedHashMap<>();
        LayeredFileSystem fs = LayeredFileSystem.build(List.of(lower, upper), blobs, LayerLimits.defaults(), (file, in) -> {
            visited.add(file);
            bytes.put(file, new String(in.readAllBytes(), UTF_8));
        });

        assertThat(blobs.opened(lower)).isEqualTo(1);
        assertThat(blobs.opened(upper)).isEqualTo(1);
        assertThat(visited).extracting(FileEntry::path).containsExactly("/etc/app.conf", "/etc/kept.conf", "/opt/gone/a",
                "/usr/bin/tool", "/etc/app.conf", "/usr/bin/tool");
        List<String> own = new ArrayList<>();
        for (FileEntry f : visited) {
            if (fs.entry(f.path()).orElse(null) == f) {
                own.add(f.path() + "=" + bytes.get(f).trim());
                // The visited bytes are the view's.
                assertThat(new String(fs.read(f, 100), UTF_8)).isEqualTo(bytes.get(f));
            }
        }
        assertThat(own).containsExactlyInAnyOrder("/etc/kept.conf=kept", "/etc/app.conf=new", "/usr/bin/tool=tool v2");
        // The link whose target was replaced is a regular file the pass did not give under its name.
        FileEntry link = fs.entry("/usr/bin/tool-link").orElseThrow();
        assertThat(link.isRegular()).isTrue();
        assertThat(visited).doesNotContain(link);
        assertThat(new String(fs.read(link, 100), UTF_8)).isEqualTo("tool v1\n");
        assertThat(fs.entry("/opt/gone")).isEmpty();
    }

    @Test
    void theVisitorsOwnExceptionsPassThroughUnchanged() {
        IOException mine = new IOException("mine");
        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(lower, upper), blobs, LayerLimits.defaults(), (file, in) -> {
            throw mine;
        })).isSameAs(mine);
    }

    @Test
    void aTamperedLayerFailsTheBuildEvenIfTheVisitorReadNothing() {
        TarWriter t = new TarWriter();
        t.file("/etc/app.conf", "evil\n".getBytes(UTF_8), 0644);
        blobs.tamper(upper, Blobs.gzipped(t.finish()));
        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(lower, upper), blobs, LayerLimits.defaults(), (file, in) -> { }))
                .isInstanceOf(LayerException.class).hasMessageContaining("not what its descriptor says");
    }
}
