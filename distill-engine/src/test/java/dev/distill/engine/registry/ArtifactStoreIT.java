package dev.distill.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Digest;
import dev.distill.engine.testing.LocalRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Documents stored as OCI artifacts in a real docker-registry. */
class ArtifactStoreIT {

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
    void aDocumentIsStoredUntaggedAndReadBackByDigest() throws Exception {
        ArtifactStore store = new ArtifactStore(registry.client(), registry.reference("distill/reports:unused"));
        byte[] report = "{\"binaries\":[]}".getBytes(StandardCharsets.UTF_8);
        ArtifactStore.StoredArtifact stored = store.put("application/vnd.distill.analysis.v1+json", "application/json",
                report, Map.of("dev.distill.migration", "m-1"));

        assertThat(stored.blobDigest()).isEqualTo(Digest.sha256(report));
        assertThat(stored.location()).isEqualTo(registry.host() + "/distill/reports@" + Digest.sha256(report));
        assertThat(store.get(stored, 1024)).isEqualTo(report);
        // The anchoring manifest exists, under its digest only.
        assertThat(registry.client().headDigest(registry.reference("distill/reports@" + stored.manifestDigest())))
                .isEqualTo(stored.manifestDigest());
        assertThatThrownBy(() -> registry.client().headDigest(registry.reference("distill/reports:unused")))
                .isInstanceOf(RegistryException.class);
        // Storing the same document again is idempotent.
        assertThat(store.put("application/vnd.distill.analysis.v1+json", "application/json", report,
                Map.of("dev.distill.migration", "m-1"))).isEqualTo(stored);
    }

    @Test
    void aDocumentOverTheReadLimitIsRefused() throws Exception {
        ArtifactStore store = new ArtifactStore(registry.client(), registry.reference("distill/reports"));
        ArtifactStore.StoredArtifact stored = store.put("application/vnd.distill.test", "text/plain",
                "0123456789".getBytes(StandardCharsets.UTF_8), Map.of());
        assertThatThrownBy(() -> store.get(stored, 5)).isInstanceOf(IOException.class).hasMessageContaining("larger than 5");
    }
}
