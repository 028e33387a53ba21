package dev.distill.engine.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Layers streamed from a real registry (Debian's docker-registry). */
class RegistryLayersIT {

    private static LocalRegistry registry;
    private static RegistryClient client;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.start();
        client = registry.client();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void buildsTheViewOfAPushedImageAndReadsItsFiles() throws Exception {
        for (TinyImage image : List.of(TinyImage.sample(Platform.LINUX_AMD64),
                TinyImage.builder().dockerMediaTypes().file("/etc/hostname", "tiny\n").symlink("/etc/name", "hostname").build())) {
            ImageReference reference = registry.reference("layers/app:" + (image.layerDescriptor().mediaType().contains("docker") ? "docker" : "oci"));
            image.push(client, reference);
            ResolvedImage resolved = client.resolve(reference, Platform.LINUX_AMD64);

            LayeredFileSystem fs = LayeredFileSystem.build(resolved.layers(), BlobSource.registry(client, resolved.pinnedReference()));

            Map<String, byte[]> read = new LinkedHashMap<>();
            List<FileEntry> files = image.files().keySet().stream().map(p -> fs.entry(p).orElseThrow()).toList();
            fs.readAll(files, (file, content) -> read.put(file.path(), content.readAllBytes()));
            assertThat(read).containsOnlyKeys(image.files().keySet());
            image.files().forEach((path, bytes) -> assertThat(read.get(path)).as(path).isEqualTo(bytes));
            assertThat(fs.entries()).allSatisfy(e -> {
                assertThat(e.layerIndex()).isZero();
                assertThat(e.layerDigest()).isEqualTo(image.layerDescriptor().digest().toString());
            });
        }
        LayeredFileSystem sample = LayeredFileSystem.build(List.of(TinyImage.sample(Platform.LINUX_AMD64).layerDescriptor()),
                BlobSource.registry(client, registry.reference("layers/app:oci")));
        assertThat(sample.entry("/app/hello.sh").orElseThrow().mode()).isEqualTo(0755);
        assertThat(sample.entry("/usr/local/bin/hello").orElseThrow().type()).isEqualTo(FileType.SYMLINK);
        assertThat(new String(sample.open(sample.resolve("/usr/local/bin/hello").orElseThrow()).readAllBytes()))
                .startsWith("#!/bin/sh\necho hello from linux/amd64");
    }

    @Test
    void aBlobTheRegistryServesWrongIsADigestMismatch() throws Exception {
        TinyImage image = TinyImage.builder().file("/etc/passwd", "root:x:0:0::/root:/bin/sh\n").build();
        ImageReference reference = registry.reference("layers/tampered:1");
        image.push(client, reference);
        Descriptor layer = image.layerDescriptor();
        BlobSource source = BlobSource.registry(client, reference);

        Descriptor wrongSize = new Descriptor(layer.mediaType(), layer.digest(), layer.size() + 1);
        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(wrongSize), source)).isInstanceOfSatisfying(LayerException.class,
                e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.DIGEST_MISMATCH)).hasMessageContaining(layer.digest().toString());

        Path data = registry.storage().resolve("docker/registry/v2/blobs/sha256/" + layer.digest().hex().substring(0, 2) + "/"
                + layer.digest().hex() + "/data");
        byte[] corrupted = Files.readAllBytes(data);
        corrupted[corrupted.length - 5] ^= 0x55; // in the gzip trailer: the tar still parses
        Files.write(data, corrupted);
        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(layer), source)).isInstanceOfSatisfying(LayerException.class,
                e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.DIGEST_MISMATCH))
                .hasMessageStartingWith("layer 0 (" + layer.digest() + "): the blob is not what its descriptor says");
    }
}
