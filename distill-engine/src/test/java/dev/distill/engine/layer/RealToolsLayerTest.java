package dev.distill.engine.layer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers compressed by the command-line tools image builders use, not by our own test code. */
class RealToolsLayerTest {

    @TempDir
    Path dir;

    private Blobs blobs;
    private byte[] archive;

    @BeforeEach
    void archive() throws Exception {
        blobs = new Blobs(dir.resolve("blobs"));
        Path root = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(root.resolve("usr/bin"));
        Files.write(root.resolve("usr/bin/app"), LayeredFileSystemTest.random(3_000_000));
        Files.writeString(root.resolve("usr/bin/script"), "#!/bin/sh\nexec app \"$@\"\n");
        Files.createSymbolicLink(root.resolve("usr/bin/alias"), Path.of("app"));
        archive = run(null, "tar", "--format=pax", "--sort=name", "-C", root.toString(), "-cf", "-", ".");
    }

    @Test
    void gzipAndZstdFromTheirCommandLineTools() throws Exception {
        Descriptor gzip = blobs.put(MediaTypes.OCI_LAYER_TAR_GZIP, run(archive, "gzip", "-c", "-n"));
        Descriptor zstd = blobs.put(MediaTypes.OCI_LAYER_TAR_ZSTD, run(archive, "zstd", "-q", "-c"));
        byte[] half1 = run(java.util.Arrays.copyOf(archive, archive.length / 2), "zstd", "-q", "-c");
        byte[] half2 = run(java.util.Arrays.copyOfRange(archive, archive.length / 2, archive.length), "zstd", "-q", "-c");
        ByteArrayOutputStream frames = new ByteArrayOutputStream();
        frames.writeBytes(half1);
        frames.writeBytes(half2);
        Descriptor twoFrames = blobs.put(MediaTypes.OCI_LAYER_TAR_ZSTD, frames.toByteArray());

        for (Descriptor layer : List.of(gzip, zstd, twoFrames)) {
            LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), blobs);
            FileEntry app = fs.resolve("/usr/bin/alias").orElseThrow();
            assertThat(app.path()).isEqualTo("/usr/bin/app");
            assertThat(fs.entry("/usr/bin/alias").orElseThrow().type()).isEqualTo(FileType.SYMLINK);
            assertThat(fs.open(app).readAllBytes()).as(layer.toString()).isEqualTo(LayeredFileSystemTest.random(3_000_000));
            assertThat(new String(fs.read(fs.entry("/usr/bin/script").orElseThrow(), 100), UTF_8)).startsWith("#!/bin/sh");
        }
    }

    @Test
    void zstdWithALongWindowIsUnsupportedNotMalformed() throws Exception {
        // From a pipe zstd does not know the size, so the frame declares the full 128 MiB window.
        Descriptor layer = blobs.put(MediaTypes.OCI_LAYER_TAR_ZSTD, run(archive, "zstd", "-q", "-c", "--long=27"));

        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(layer), blobs)).isInstanceOfSatisfying(LayerException.class,
                e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.UNSUPPORTED))
                .hasMessageContaining("the zstd stream uses a feature Distill cannot decode");
    }

    private static byte[] run(byte[] stdin, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Thread feeder = new Thread(() -> {
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin);
                }
            } catch (IOException ignored) {
                // the process failed; its exit code says so
            }
        });
        feeder.start();
        byte[] out;
        try (InputStream stdout = process.getInputStream()) {
            out = stdout.readAllBytes();
        }
        feeder.join();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed");
        }
        return out;
    }
}
