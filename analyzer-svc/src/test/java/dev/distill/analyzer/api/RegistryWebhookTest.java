package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.distill.events.MigrationRequested;
import dev.distill.pipeline.testing.EventLog;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry webhook: authentication, limits, formats, filters and the push-loop guard. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class RegistryWebhookTest {

    @BeforeEach
    void operatorToken() {
        ApiTokens.useOperator();
    }

    private static final String V1 = "application/vnd.docker.distribution.events.v1+json";
    private static final String V2 = "application/vnd.docker.distribution.events.v2+json";
    private static final String AUTH = "Bearer test-secret";

    /** A manifest push envelope as docker-registry 2.8 sends it. */
    static String push(String repository, String tag, String digestHexChar, String userAgent) {
        return """
                {"events":[{"id":"ev-%1$s-%2$s","timestamp":"2026-11-27T10:00:00Z","action":"push",
                 "target":{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":528,
                  "digest":"sha256:%3$s","length":528,"repository":"%1$s",
                  "url":"http://127.0.0.1:5000/v2/%1$s/manifests/sha256:%3$s","tag":"%2$s"},
                 "request":{"id":"r1","addr":"127.0.0.1:40000","host":"127.0.0.1:5000","method":"PUT",
                  "useragent":"%4$s"},
                 "actor":{},"source":{"addr":"host:5000","instanceID":"i"}}]}
                """.formatted(repository, tag, digestHexChar.repeat(64), userAgent);
    }

    private static Response send(String contentType, String body) {
        return given().header("Authorization", AUTH).contentType(contentType).body(body).post("/api/registry/events");
    }

    private static List<MigrationRequested> requestsFor(String repository) {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        return EventLog.all(bootstrap).stream().filter(e -> e instanceof MigrationRequested r
                && r.repository().equals(repository)).map(MigrationRequested.class::cast).toList();
    }

    @Test
    void aManifestPushStartsOneMigrationAndARepeatedPushReportsIt() {
        Response first = send(V1, push("hooks/app", "1", "1", "skopeo/1.9"));
        first.then().statusCode(202).body("migrations", hasSize(1)).body("migrations[0].created", equalTo(true));
        String id = first.jsonPath().getString("migrations[0].id");
        given().get("/api/migrations/" + id).then().statusCode(200)
                .body("source.repository", equalTo("hooks/app"))
                .body("source.tag", equalTo("1"))
                .body("source.digest", equalTo("sha256:" + "1".repeat(64)))
                .body("source.trigger", equalTo("webhook:distribution"));

        send(V2, push("hooks/app", "1", "1", "skopeo/1.9")).then().statusCode(200)
                .body("migrations[0].id", equalTo(id)).body("migrations[0].created", equalTo(false));
        assertThat(requestsFor("hooks/app")).hasSize(1);
    }

    @Test
    void distillsOwnPushesNeverStartAMigrationSoAPushLoopIsImpossible() {
        // A result pushed by the builder, a base image, and anything pushed with Distill's user agent.
        send(V1, push("hooks/loop", "1-distroless-nginx", "2", "skopeo/1.9")).then().statusCode(200)
                .body("migrations", hasSize(0)).body("ignored[0].reason", containsString("Distill"));
        send(V1, push("hooks/loop", "1-distroless", "3", "skopeo/1.9")).then().statusCode(200).body("migrations", hasSize(0));
        send(V1, push("distill/base-cc", "nonroot", "4", "skopeo/1.9")).then().statusCode(200).body("migrations", hasSize(0));
        send(V1, push("hooks/loop", "2", "5", "distill/0.1.0")).then().statusCode(200).body("migrations", hasSize(0));
        assertThat(requestsFor("hooks/loop")).isEmpty();
        assertThat(requestsFor("distill/base-cc")).isEmpty();
    }

    @Test
    void excludedRepositoriesAreIgnoredWithTheReason() {
        send(V1, push("private/secret", "1", "6", "skopeo/1.9")).then().statusCode(200)
                .body("migrations", hasSize(0)).body("ignored[0].reason", containsString("private/**"));
        assertThat(requestsFor("private/secret")).isEmpty();
    }

    @Test
    void blobPushesPullsAndDeletesAreSkipped() {
        String blob = """
                {"events":[{"id":"b1","timestamp":"2026-11-27T10:00:00Z","action":"push",
                 "target":{"mediaType":"application/octet-stream","size":3,"digest":"sha256:%s","length":3,
                  "repository":"hooks/blob","url":"http://127.0.0.1:5000/v2/hooks/blob/blobs/sha256:%1$s"},
                 "request":{"host":"127.0.0.1:5000","useragent":"skopeo"}}]}""".formatted("7".repeat(64));
        send(V1, blob).then().statusCode(200).body("migrations", hasSize(0)).body("skipped[0].reason", containsString("blob"));
        send(V1, push("hooks/blob", "1", "8", "x").replace("\"push\"", "\"pull\"")).then().statusCode(200)
                .body("skipped[0].reason", containsString("pull"));
        assertThat(requestsFor("hooks/blob")).isEmpty();
    }

    @Test
    void harborPushesInBothFormsStartMigrations() {
        String harbor = """
                {"type":"PUSH_ARTIFACT","occur_at":1732700000,"operator":"admin","event_data":{
                 "resources":[{"digest":"sha256:%s","tag":"2","resource_url":"127.0.0.1:8443/team/web:2"}],
                 "repository":{"name":"web","namespace":"team","repo_full_name":"team/web","repo_type":"private"}}}
                """.formatted("9".repeat(64));
        send("application/json", harbor).then().statusCode(202).body("migrations[0].image",
                equalTo("127.0.0.1:8443/team/web:2@sha256:" + "9".repeat(64)));
        String cloudEvent = """
                {"specversion":"1.0","id":"c1","source":"/projects/1/webhook/policies/1","type":"harbor.artifact.pushed",
                 "datacontenttype":"application/json","time":"2026-11-27T10:00:00Z",
                 "data":{"resources":[{"digest":"sha256:%s","tag":"3","resource_url":"127.0.0.1:8443/team/api:3"}],
                  "repository":{"name":"api","namespace":"team","repo_full_name":"team/api","repo_type":"private"}}}
                """.formatted("a".repeat(64));
        send("application/cloudevents+json", cloudEvent).then().statusCode(202).body("migrations", hasSize(1));
        assertThat(requestsFor("team/web")).hasSize(1);
        assertThat(requestsFor("team/api")).hasSize(1);
    }

    @Test
    void withoutTheRightSecretNothingIsRead() {
        given().contentType(V1).body(push("hooks/auth", "1", "b", "x")).post("/api/registry/events").then()
                .statusCode(401).body("error", equalTo("unauthorized"));
        given().header("Authorization", "Bearer wrong").contentType(V1).body(push("hooks/auth", "1", "b", "x"))
                .post("/api/registry/events").then().statusCode(401);
        given().header("Authorization", "Basic dGVzdC1zZWNyZXQ=").contentType(V1).body(push("hooks/auth", "1", "b", "x"))
                .post("/api/registry/events").then().statusCode(401);
        assertThat(requestsFor("hooks/auth")).isEmpty();
    }

    @Test
    void malformedNotificationsAnswer400AndCreateNothing() {
        send(V1, "{not json").then().statusCode(400).body("error", equalTo("malformed-notification"));
        send(V1, "").then().statusCode(400);
        send(V1, "{\"events\":\"x\"}").then().statusCode(400).body("message", containsString("events"));
        send(V1, push("hooks/bad", "1", "c", "x").replace("sha256:" + "c".repeat(64), "sha256:zz")).then()
                .statusCode(400).body("message", containsString("sha256:zz"));
        send("text/plain", push("hooks/bad", "1", "c", "x")).then().statusCode(400).body("message", containsString("text/plain"));
        // One good event and one bad: the whole envelope is refused, so no half-created migration.
        String good = push("hooks/bad", "1", "d", "x");
        String mixed = good.replace("}]}", "},{\"id\":\"e2\",\"action\":\"push\",\"target\":{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"repository\":\"hooks/Bad\",\"tag\":\"1\",\"digest\":\"sha256:"
                + "e".repeat(64) + "\"},\"request\":{\"host\":\"127.0.0.1:5000\"}}]}");
        send(V1, mixed).then().statusCode(400).body("message", containsString("hooks/Bad"));
        assertThat(requestsFor("hooks/bad")).isEmpty();
    }

    @Test
    void aBodyOverTheLimitAnswers413() {
        String big = push("hooks/big", "1", "f", "x".repeat(9000));
        send(V1, big).then().statusCode(413).body("message", containsString("8192"));
        assertThat(requestsFor("hooks/big")).isEmpty();
    }

    @Test
    void aChunkedBodyOverTheLimitAnswers413AndTheSecretIsCheckedFirst() throws Exception {
        String big = push("hooks/chunked", "1", "f", "x".repeat(9000));
        // No Content-Length (chunked transfer): the size is known only once the body is read.
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        HttpRequest chunked = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/registry/events"))
                .header("Authorization", AUTH).header("Content-Type", V1)
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))))
                .build();
        HttpResponse<String> answer = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                .send(chunked, HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(413);
        assertThat(answer.body()).contains("8192");
        // Without the secret a body declared too large is refused as unauthorized, before its size is looked at.
        given().header("Authorization", "Bearer wrong").contentType(V1).body(big).post("/api/registry/events").then()
                .statusCode(401);
        assertThat(requestsFor("hooks/chunked")).isEmpty();
    }
}
