package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageUploadIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalRegistry registry;
    private static RegistryClient client;

    @TempDir
    Path dir;

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
    void pushesOnTopOfABaseMountingItsLayersAndTagsOnlyAtTheEnd() throws Exception {
        TinyImage base = TinyImage.sample(Platform.LINUX_AMD64);
        base.push(client, registry.reference("bases/tiny:1"));
        ResolvedImage resolved = client.resolve(registry.reference("bases/tiny:1"), Platform.LINUX_AMD64);
        WrittenLayer added = layer(dir.resolve("app.tar.gz"), "hello");
        ImageUpload upload = new ImageUpload(client);
        ImageReference target = registry.reference("apps/out");

        ImageUpload.Pushed pushed = upload.push(target, List.of(
                ImageUpload.Layer.existing(base.layerDescriptor(), base.diffId(), resolved.reference()),
                added.upload()), config(), Map.of("org.opencontainers.image.base.name", "bases/tiny:1"));

        assertThatThrownBy(() -> client.headDigest(registry.reference("apps/out:v1")))
                .isInstanceOf(RegistryException.class); // nothing tagged yet
        ImageUpload.Pushed tagged = upload.tag(pushed, "v1");
        assertThat(client.headDigest(registry.reference("apps/out:v1"))).isEqualTo(pushed.manifestDigest());
        assertThat(tagged.reference().toString()).endsWith("apps/out:v1@" + pushed.manifestDigest());

        ResolvedImage result = client.resolve(registry.reference("apps/out:v1"), Platform.LINUX_AMD64);
        assertThat(result.layers()).containsExactly(base.layerDescriptor(), added.descriptor());
        JsonNode configJson = JSON.readTree(client.openBlob(result.reference(), result.config()).readAllBytes());
        assertThat(configJson.at("/rootfs/diff_ids/0").asText()).isEqualTo(base.diffId().toString());
        assertThat(configJson.at("/rootfs/diff_ids/1").asText()).isEqualTo(added.diffId().toString());
        assertThat(configJson.at("/config/User").asText()).isEqualTo("65532");
        JsonNode manifest = JSON.readTree(pushed.manifest());
        assertThat(manifest.at("/annotations/org.opencontainers.image.base.name").asText()).isEqualTo("bases/tiny:1");
        assertThat(pushed.compressedSize()).isEqualTo(base.layerDescriptor().size() + added.size());
        assertThat(pushed.uncompressedSize()).isEqualTo(-1); // the base layer's tar size was not given
        // The base layer was mounted, not uploaded: the registry log shows a mount request and no upload of it.
        assertThat(registry.log()).contains("mount=" + base.layerDescriptor().digest());
    }

    @Test
    void theSameInputPushesTheSameDigest() throws Exception {
        ImageUpload upload = new ImageUpload(client);
        ImageUpload.Pushed first = upload.push(registry.reference("apps/again"),
                List.of(layer(dir.resolve("1.tar.gz"), "same").upload()), config(), Map.of());
        ImageUpload.Pushed second = upload.push(registry.reference("apps/again"),
                List.of(layer(dir.resolve("2.tar.gz"), "same").upload()), config(), Map.of());

        assertThat(second.manifestDigest()).isEqualTo(first.manifestDigest());
        assertThat(second.uncompressedSize()).isPositive();
    }

    @Test
    void aLayerThatCannotBeReadFailsBeforeAnyManifestIsPushed() throws Exception {
        WrittenLayer good = layer(dir.resolve("g.tar.gz"), "good");
        Digest missing = Digest.sha256("nowhere".getBytes(StandardCharsets.UTF_8));
        ImageUpload.Layer absent = new ImageUpload.Layer(new dev.distill.engine.image.Descriptor(good.descriptor().mediaType(), missing, 7), good.diffId(),
                registry.reference("bases/none"), null, -1);

        assertThatThrownBy(() -> new ImageUpload(client).push(registry.reference("apps/broken"),
                List.of(good.upload(), absent), config(), Map.of()))
                .hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> client.headDigest(registry.reference("apps/broken:latest")))
                .isInstanceOf(RegistryException.class);
    }

    private static WrittenLayer layer(Path file, String content) throws IOException {
        try (LayerWriter w = new LayerWriter(file)) {
            w.directory("/app", 0755, 0, 0);
            w.file("/app/hello.txt", 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8));
            return w.finish();
        }
    }

    private static ObjectNode config() {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        config.putObject("config").put("User", "65532");
        return config;
    }
}
