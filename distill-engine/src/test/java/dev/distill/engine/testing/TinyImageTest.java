package dev.distill.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import java.io.ByteArrayInputStream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class TinyImageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void isDeterministic() {
        assertThat(TinyImage.sample(Platform.LINUX_AMD64).manifestDigest())
                .isEqualTo(TinyImage.sample(Platform.LINUX_AMD64).manifestDigest())
                .isNotEqualTo(TinyImage.sample(Platform.parse("linux/arm64/v8")).manifestDigest());
    }

    @Test
    void configAndManifestAgreeWithTheBlobs() throws Exception {
        TinyImage image = TinyImage.sample(Platform.parse("linux/arm64/v8"));

        JsonNode config = JSON.readTree(image.config());
        assertThat(config.path("architecture").asText()).isEqualTo("arm64");
        assertThat(config.path("variant").asText()).isEqualTo("v8");
        assertThat(config.path("rootfs").path("diff_ids").get(0).asText()).isEqualTo(image.diffId().toString());
        assertThat(ImageConfig.parse(image.config())).isEqualTo(image.imageConfig());

        try (GZIPInputStream tar = new GZIPInputStream(new ByteArrayInputStream(image.layer()))) {
            assertThat(Digest.sha256(tar.readAllBytes())).isEqualTo(image.diffId());
        }

        JsonNode manifest = JSON.readTree(image.manifest());
        assertThat(manifest.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(manifest.path("config").path("digest").asText()).isEqualTo(image.configDescriptor().digest().toString());
        assertThat(manifest.path("layers").get(0).path("size").asLong()).isEqualTo(image.layer().length);
    }

    @Test
    void indexListsPlatforms() throws Exception {
        TinyImage amd = TinyImage.sample(Platform.LINUX_AMD64);
        TinyImage arm = TinyImage.builder().dockerMediaTypes().platform(Platform.parse("linux/arm64/v8")).build();

        JsonNode index = JSON.readTree(TinyImage.index(amd, arm));

        assertThat(index.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(index.path("manifests").get(1).path("platform").path("variant").asText()).isEqualTo("v8");
        assertThat(index.path("manifests").get(1).path("mediaType").asText()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(TinyImage.indexMediaType(arm)).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
    }
}
