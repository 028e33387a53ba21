package dev.distill.engine.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerWriterTest {

    @TempDir
    Path dir;

    private static final String LONG_DIR = "/usr/lib/" + "deep-directory-name/".repeat(6);

    @Test
    void writesEveryKindOfEntryThatOurReaderReadsBackExactly() throws IOException {
        WrittenLayer layer = sample(dir.resolve("a.tar.gz"));
        Path blobs = dir.resolve("blobs");
        Files.createDirectories(blobs.resolve("sha256"));
        Files.copy(layer.file(), blobs.resolve("sha256").resolve(layer.digest().hex()));

        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer.descriptor()), BlobSource.directory(blobs));

        FileEntry su = fs.entry("/usr/bin/su-like").orElseThrow();
        assertThat(su.mode()).isEqualTo(04755);
        assertThat(fs.entry("/tmp").orElseThrow().mode()).isEqualTo(01777);
        assertThat(fs.entry("/etc/app.conf").orElseThrow().uid()).isEqualTo(33);
        FileEntry link = fs.entry("/lib64/ld.so").orElseThrow();
        assertThat(link.type()).isEqualTo(FileType.SYMLINK);
        assertThat(link.linkTarget()).isEqualTo("../lib/ld-2.36.so");
        assertThat(new String(fs.open(fs.entry("/usr/bin/hard").orElseThrow()).readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("#!binary\n");
        FileEntry deep = fs.entry(LONG_DIR + "libdeep.so.1").orElseThrow();
        assertThat(deep.uid()).isEqualTo(70_000_000); // over ustar's 7 octal digits: carried by PAX
        assertThat(new String(fs.open(deep).readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("deep");
        assertThat(layer.entries()).isEqualTo(10);
    }

    @Test
    void theSameEntriesGiveTheSameBytesAndTheDigestsMatchTheFiles() throws IOException {
        WrittenLayer first = sample(dir.resolve("1.tar.gz"));
        WrittenLayer second = sample(dir.resolve("2.tar.gz"));

        assertThat(second.digest()).isEqualTo(first.digest());
        assertThat(second.diffId()).isEqualTo(first.diffId());
        byte[] blob = Files.readAllBytes(first.file());
        assertThat(Digest.sha256(blob)).isEqualTo(first.digest());
        assertThat((long) blob.length).isEqualTo(first.size());
        byte[] tar = new GZIPInputStream(new ByteArrayInputStream(blob)).readAllBytes();
        assertThat(Digest.sha256(tar)).isEqualTo(first.diffId());
        assertThat((long) tar.length).isEqualTo(first.uncompressedSize());
        Descriptor d = first.descriptor();
        assertThat(d.mediaType()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
    }

    @Test
    void gnuTarListsTheSameEntriesWithModesOwnersAndLinks() throws Exception {
        WrittenLayer layer = sample(dir.resolve("t.tar.gz"));
        Process tar = new ProcessBuilder("tar", "--numeric-owner", "-tvzf", layer.file().toString())
                .redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(tar.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(tar.exitValue()).as(listing).isZero();
        assertThat(listing)
                .contains("drwxrwxrwt 0/0")
                .contains("-rwsr-xr-x 0/0")
                .contains("usr/bin/hard link to usr/bin/su-like".replace("su-like", "real"))
                .contains("lib64/ld.so -> ../lib/ld-2.36.so")
                .contains(LONG_DIR.substring(1) + "libdeep.so.1")
                .contains("70000000/0");
    }

    @Test
    void refusesWhatCannotBeExtractedFaithfully() throws IOException {
        try (LayerWriter w = new LayerWriter(dir.resolve("bad.tar.gz"))) {
            assertThatThrownBy(() -> w.file("relative/path", 0644, 0, 0, new byte[0]))
                    .hasMessageContaining("'relative/path'");
            assertThatThrownBy(() -> w.file("/a/../etc/passwd", 0644, 0, 0, new byte[0]))
                    .hasMessageContaining("'/a/../etc/passwd'");
            assertThatThrownBy(() -> w.hardlink("/x", "/not-written", 0, 0)).hasMessageContaining("/not-written");
            assertThatThrownBy(() -> w.file("/short", 0644, 0, 0, 10, new ByteArrayInputStream(new byte[3])))
                    .hasMessageContaining("7 bytes before its size of 10");
            w.directory("/d", 0755, 0, 0);
            assertThatThrownBy(() -> w.directory("/d", 0755, 0, 0)).hasMessageContaining("already in this layer");
            assertThatThrownBy(() -> w.file("/m", 010644, 0, 0, new byte[0])).hasMessageContaining("10644");
        }
        assertThat(dir.resolve("bad.tar.gz")).doesNotExist(); // an unfinished layer is not left behind
    }

    private static WrittenLayer sample(Path target) throws IOException {
        try (LayerWriter w = new LayerWriter(target)) {
            w.directory("/etc", 0755, 0, 0);
            w.file("/etc/app.conf", 0640, 33, 33, "listen 8080\n".getBytes(StandardCharsets.UTF_8));
            w.directory("/lib64", 0755, 0, 0);
            w.symlink("/lib64/ld.so", "../lib/ld-2.36.so", 0, 0);
            w.directory("/tmp", 01777, 0, 0);
            w.directory("/usr/bin", 0755, 0, 0);
            w.file("/usr/bin/real", 04755, 0, 0, 9, stream("#!binary\n"));
            w.file("/usr/bin/su-like", 04755, 0, 0, "x".getBytes(StandardCharsets.UTF_8));
            w.hardlink("/usr/bin/hard", "/usr/bin/real", 0, 0);
            w.file(LONG_DIR + "libdeep.so.1", 0644, 70_000_000, 0, "deep".getBytes(StandardCharsets.UTF_8));
            return w.finish();
        }
    }

    private static InputStream stream(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }
}
