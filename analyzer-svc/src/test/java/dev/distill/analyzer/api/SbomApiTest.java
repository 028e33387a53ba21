package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.LeftBehind;
import dev.distill.engine.assembly.ResultContents;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.ArtifactStore;
import dev.distill.engine.registry.Referrers;
import dev.distill.engine.sbom.CycloneDxSbom;
import dev.distill.engine.sbom.ImageContents;
import dev.distill.engine.sbom.SpdxSbom;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import dev.distill.events.ReportStored;
import dev.distill.events.Stage;
import dev.distill.pipeline.kafka.KafkaEventPublisher;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cyclonedx.parsers.JsonParser;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/migrations/{id}/sbom}: the SBOMs the builder attached to the result images, read through the
 * build report, for a migration with one result image and one with two.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SbomApiTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static LocalRegistry registry;

    @BeforeAll
    static void startRegistry() {
        registry = LocalRegistry.start();
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    @BeforeEach
    void operatorToken() {
        ApiTokens.useOperator();
    }

    /** A migration of {@code repository:1} whose build produced one result image per program, each with its SBOMs. */
    private static String builtMigration(String repository, List<String> programs) throws Exception {
        ImageReference source = registry.reference(repository + ":1");
        TinyImage.sample(Platform.LINUX_AMD64).push(registry.client(), source);
        String id = given().contentType(ContentType.JSON).body("{\"image\":\"" + source + "\"}").post("/api/migrations")
                .then().statusCode(202).extract().jsonPath().getString("id");
        List<BuildReport.Image> images = new ArrayList<>();
        for (String program : programs) {
            TinyImage result = TinyImage.builder().platform(Platform.LINUX_AMD64).file("/srv/" + program, program + "\n")
                    .entrypoint("/srv/" + program).build();
            ImageReference at = registry.reference(repository + ":1-distroless-" + program);
            result.push(registry.client(), at);
            ImageContents contents = new ImageContents(
                    new ImageContents.Image(registry.host() + "/" + repository, at.tag(), result.manifestDigest(), "amd64"),
                    new ImageContents.Image(registry.host() + "/distill/static", "nonroot", result.manifestDigest(), "amd64"),
                    new ImageContents.Image(registry.host() + "/" + repository, "1", result.manifestDigest(), "amd64"),
                    program, null, null, List.of(), List.of(), List.of(), "test");
            Referrers referrers = new Referrers(registry.client());
            Referrers.Attached cyclonedx = referrers.attach(at, result.manifestDescriptor(), CycloneDxSbom.MEDIA_TYPE,
                    CycloneDxSbom.MEDIA_TYPE, CycloneDxSbom.write(contents), Map.of());
            Referrers.Attached spdx = referrers.attach(at, result.manifestDescriptor(), SpdxSbom.MEDIA_TYPE,
                    SpdxSbom.MEDIA_TYPE, SpdxSbom.write(contents), Map.of());
            images.add(new BuildReport.Image(program, "PROGRAM", at.toString(), result.manifestDigest().toString(), "b",
                    "sha256:" + "b".repeat(64), "65532:65532", "nonroot", 1, 10, 20, List.of(), List.of(), ResultContents.NONE.withSbom(new ResultContents.Sbom(
                            cyclonedx.location(), cyclonedx.manifestDigest().toString(), spdx.location(),
                            spdx.manifestDigest().toString(), "tag schema"))));
        }
        BuildReport report = new BuildReport(BuildReport.SCHEMA_VERSION, source.toString(), "sha256:" + "a".repeat(64),
                "nowhere", images, new LeftBehind(List.of(), List.of(), "none"), 1, 2, null);
        ArtifactStore.StoredArtifact stored = new ArtifactStore(registry.client(), registry.reference("distill/reports"))
                .put(BuildReport.ARTIFACT_TYPE, BuildReport.MEDIA_TYPE, JSON.writeValueAsBytes(report), Map.of());
        try (KafkaEventPublisher publisher = new KafkaEventPublisher(
                ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), URI.create("urn:distill:test"))) {
            publisher.publish(new ReportStored(id, Instant.now(), Stage.BUILD, stored.location(),
                    stored.blobDigest().toString(), "BUILT"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() ->
                given().get("/api/migrations/" + id).jsonPath().getString("reports.build.location") != null);
        return id;
    }

    @Test
    void theSbomOfTheOnlyResultImageIsServedInEitherFormat() throws Exception {
        String id = builtMigration("sbom/one", List.of("app"));

        byte[] cyclonedx = given().get("/api/migrations/" + id + "/sbom").then().statusCode(200)
                .contentType("application/vnd.cyclonedx+json")
                .header("Content-Location", containsString("/sbom/one:1-distroless-app@sha256:"))
                .extract().asByteArray();
        assertThat(new JsonParser().validate(cyclonedx, CycloneDxSbom.VERSION)).isEmpty();
        assertThat(JSON.readTree(cyclonedx).at("/metadata/component/properties/0/value").asText()).isEqualTo("app");
        given().get("/api/migrations/" + id + "/sbom?format=spdx").then().statusCode(200)
                .contentType("application/spdx+json").body("spdxVersion", equalTo("SPDX-2.3"));
        given().get("/api/migrations/" + id + "/sbom?format=xml").then().statusCode(400)
                .body("error", equalTo("invalid-format"));
    }

    @Test
    void withSeveralResultImagesTheProgramIsChosenByName() throws Exception {
        String id = builtMigration("sbom/two", List.of("php-fpm", "nginx"));

        given().get("/api/migrations/" + id + "/sbom").then().statusCode(400).body("error", equalTo("choose-program"))
                .body("message", containsString("php-fpm, nginx")).body("message", containsString("?program="));
        given().get("/api/migrations/" + id + "/sbom?program=nginx").then().statusCode(200)
                .body("metadata.component.properties[0].value", equalTo("nginx"));
        given().get("/api/migrations/" + id + "/sbom?program=redis").then().statusCode(404)
                .body("error", equalTo("unknown-program"));
    }

    @Test
    void aMigrationWithoutAResultHasNoSbomAndSaysWhy() {
        given().get("/api/migrations/m-000000000000000000000000/sbom").then().statusCode(404)
                .body("error", equalTo("unknown-migration"));
    }
}
