package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.image.Platform;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Referrers on Debian's docker-registry 2.8, which has no referrers API: the tag schema keeps them. */
class ReferrersIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static LocalRegistry registry;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    @Test
    void anSbomIsAttachedToAnImageAndFoundThroughTheTagSchema() throws Exception {
        RegistryClient client = registry.client();
        TinyImage image = TinyImage.sample(Platform.LINUX_AMD64);
        ImageReference repo = registry.reference("referrers/app:1");
        image.push(client, repo);
        Referrers referrers = new Referrers(client);
        byte[] sbom = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\"}".getBytes(StandardCharsets.UTF_8);
        byte[] spdx = "{\"spdxVersion\":\"SPDX-2.3\"}".getBytes(StandardCharsets.UTF_8);

        Referrers.Attached first = referrers.attach(repo, image.manifestDescriptor(), "application/vnd.cyclonedx+json",
                "application/vnd.cyclonedx+json", sbom, Map.of("org.opencontainers.image.created", "1970-01-01T00:00:00Z"));
        Referrers.Attached second = referrers.attach(repo, image.manifestDescriptor(), "application/spdx+json",
                "application/spdx+json", spdx, Map.of());
        Referrers.Attached again = referrers.attach(repo, image.manifestDescriptor(), "application/vnd.cyclonedx+json",
                "application/vnd.cyclonedx+json", sbom, Map.of("org.opencontainers.image.created", "1970-01-01T00:00:00Z"));

        assertThat(first.indexedByRegistry()).as("docker-registry 2.8 has no referrers API").isFalse();
        assertThat(again).isEqualTo(first);
        assertThat(first.location()).isEqualTo(registry.host() + "/referrers/app@" + Digest.sha256(sbom));
        // The artifact manifest names the image as its subject.
        JsonNode manifest = JSON.readTree(client.manifestIfExists(new ImageReference(repo.registry(), repo.repository(), null,
                first.manifestDigest())).orElseThrow());
        assertThat(manifest.path("artifactType").asText()).isEqualTo("application/vnd.cyclonedx+json");
        assertThat(manifest.at("/subject/digest").asText()).isEqualTo(image.manifestDigest().toString());
        assertThat(manifest.at("/subject/mediaType").asText()).isEqualTo(image.manifestMediaType());
        assertThat(manifest.at("/layers/0/digest").asText()).isEqualTo(Digest.sha256(sbom).toString());
        // The tag schema's index lists both, each once.
        String tag = "sha256-" + image.manifestDigest().hex();
        JsonNode index = JSON.readTree(client.manifestIfExists(registry.reference("referrers/app:" + tag)).orElseThrow());
        assertThat(index.path("mediaType").asText()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(index.path("manifests")).hasSize(2);
        assertThat(referrers.list(repo, image.manifestDigest(), null)).extracting(Referrers.Referrer::artifactType)
                .containsExactly("application/vnd.cyclonedx+json", "application/spdx+json");
        assertThat(referrers.list(repo, image.manifestDigest(), "application/vnd.cyclonedx+json")).singleElement()
                .satisfies(r -> {
                    assertThat(r.manifestDigest()).isEqualTo(first.manifestDigest());
                    assertThat(r.annotations()).containsEntry("org.opencontainers.image.created", "1970-01-01T00:00:00Z");
                });
        // The SBOM's bytes are where the attachment says.
        try (var in = client.openBlob(repo, first.blobDigest())) {
            assertThat(in.readAllBytes()).isEqualTo(sbom);
        }
        assertThat(referrers.list(repo, Digest.sha256(new byte[] {1}), null)).isEmpty();
    }
}
