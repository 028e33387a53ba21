package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TarWriter;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile images pushed to a real registry: each migration ends FAILED with a reason that names the problem,
 * and the service stays healthy. (The test profile limits layers to 64 MiB uncompressed.)
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class HostileImageTest {

    @BeforeEach
    void operatorToken() {
        ApiTokens.useOperator();
    }

    private static LocalRegistry registry;

    @BeforeAll
    static void start() {
        registry = LocalRegistry.start();
    }

    @AfterAll
    static void stop() {
        registry.close();
    }

    /** Pushes a one-layer image whose layer blob is exactly {@code layer}. */
    private static ImageReference push(String repoAndTag, byte[] layer, String layerMediaType) throws Exception {
        RegistryClient client = registry.client();
        ImageReference ref = registry.reference(repoAndTag);
        byte[] config = """
                {"architecture":"amd64","os":"linux","config":{"Entrypoint":["/bin/app"]},
                 "rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}""".formatted("0".repeat(64)).getBytes(StandardCharsets.UTF_8);
        Digest configDigest = Digest.sha256(config);
        Digest layerDigest = Digest.sha256(layer);
        client.pushBlob(ref, configDigest, config.length, () -> new ByteArrayInputStream(config));
        client.pushBlob(ref, layerDigest, layer.length, () -> new ByteArrayInputStream(layer));
        byte[] manifest = """
                {"schemaVersion":2,"mediaType":"%s","config":{"mediaType":"%s","digest":"%s","size":%d},
                 "layers":[{"mediaType":"%s","digest":"%s","size":%d}]}""".formatted(MediaTypes.OCI_MANIFEST,
                MediaTypes.OCI_CONFIG, configDigest, config.length, layerMediaType, layerDigest, layer.length)
                .getBytes(StandardCharsets.UTF_8);
        client.pushManifest(ref, MediaTypes.OCI_MANIFEST, manifest);
        return ref;
    }

    private static byte[] gzip(byte[] tar) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(tar);
        }
        return out.toByteArray();
    }

    private static JsonPath migrate(ImageReference ref) {
        String id = given().contentType(ContentType.JSON).body("{\"image\":\"" + ref + "\"}").post("/api/migrations")
                .then().statusCode(202).extract().jsonPath().getString("id");
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            last[0] = given().get("/api/migrations/" + id).jsonPath();
            return Set.of("FAILED", "BLOCKED", "SUCCEEDED", "NEEDS_REVIEW").contains(last[0].getString("state"));
        });
        return last[0];
    }

    @Test
    void aPathTraversalEntryFailsTheMigrationAndNamesTheEntry() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("bin/app", "x".getBytes(StandardCharsets.UTF_8), 0755);
        tar.entry("../../etc/cron.d/evil", '0', 0644, 0, 0, "* * * * * root sh\n".getBytes(StandardCharsets.UTF_8), "");
        JsonPath done = migrate(push("hostile/traversal:1", gzip(tar.finish()), MediaTypes.OCI_LAYER_TAR_GZIP));
        assertThat(done.getString("state")).isEqualTo("FAILED");
        assertThat(done.getString("reasons[0]")).contains("../../etc/cron.d/evil");
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aDecompressionBombFailsTheMigrationAtTheLimit() throws Exception {
        TarWriter header = new TarWriter();
        // 100 MiB of zeros in one file: about 100 KiB compressed, over the test profile's 64 MiB limit.
        byte[] zeros = new byte[100 << 20];
        header.file("bin/app", zeros, 0755);
        byte[] bomb = gzip(header.finish());
        assertThat(bomb.length).isLessThan(1 << 20);
        JsonPath done = migrate(push("hostile/bomb:1", bomb, MediaTypes.OCI_LAYER_TAR_GZIP));
        assertThat(done.getString("state")).isEqualTo("FAILED");
        assertThat(done.getString("reasons[0]")).contains("decompress to more than");
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void anUnknownLayerMediaTypeFailsTheMigrationNamingIt() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("bin/app", "x".getBytes(StandardCharsets.UTF_8), 0755);
        JsonPath done = migrate(push("hostile/mediatype:1", gzip(tar.finish()), "application/vnd.example.mystery.layer"));
        assertThat(done.getString("state")).isEqualTo("FAILED");
        assertThat(done.getString("reasons[0]")).contains("application/vnd.example.mystery.layer");
    }
}
