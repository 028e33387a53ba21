package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Re-running an ended migration and cancelling a running one, through the API, with who asked. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class MigrationControlApiTest {

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

    private static String start(String image) {
        return given().contentType(ContentType.JSON).body("{\"image\":\"" + image + "\"}").post("/api/migrations")
                .then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static JsonPath awaitState(String id, String state) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = given().get("/api/migrations/" + id).then().statusCode(200).extract().jsonPath();
            return state.equals(last[0].getString("state"));
        });
        return last[0];
    }

    @Test
    void anEndedMigrationRunsAgainAsANewAttemptAndAPushOfTheSameDigestStillFindsTheFirst() throws Exception {
        // The sample's entrypoint needs a shell it does not have: BLOCKED.
        ImageReference ref = registry.reference("control/blocked:1");
        TinyImage.sample(Platform.LINUX_AMD64).push(registry.client(), ref);
        String first = start(ref.toString());
        JsonPath blocked = awaitState(first, "BLOCKED");
        assertThat(blocked.getString("source.requestedBy")).isEqualTo("test-operator");
        assertThat(blocked.getInt("source.attempt")).isEqualTo(1);
        // The analysis said how far it read: every byte of the one layer.
        assertThat(blocked.getString("progress.analyze.step")).isEqualTo("read-layers");
        assertThat(blocked.getLong("progress.analyze.counters.find { it.name == 'bytes' }.done"))
                .isEqualTo(blocked.getLong("progress.analyze.counters.find { it.name == 'bytes' }.total")).isPositive();

        io.restassured.response.Response answer = given().post("/api/migrations/" + first + "/attempts");
        answer.then().statusCode(202);
        JsonPath rerun = answer.jsonPath();
        String second = rerun.getString("id");
        assertThat(answer.header("Location")).endsWith("/api/migrations/" + second);
        assertThat(second).isNotEqualTo(first).matches("m-[0-9a-f]{24}");
        assertThat(rerun.getString("attemptOf")).isEqualTo(first);
        assertThat(rerun.getInt("attempt")).isEqualTo(2);

        JsonPath secondDone = awaitState(second, "BLOCKED");
        assertThat(secondDone.getString("source.attemptOf")).isEqualTo(first);
        assertThat(secondDone.getString("source.trigger")).isEqualTo("rerun");
        assertThat(secondDone.getString("source.digest")).isEqualTo(blocked.getString("source.digest"));
        JsonPath firstNow = given().get("/api/migrations/" + first).then().statusCode(200).extract().jsonPath();
        assertThat(firstNow.getList("attempts.id")).containsExactly(first, second);
        assertThat(firstNow.getList("attempts.state")).containsExactly("BLOCKED", "BLOCKED");

        // The same image asked for again still reports the first migration, not a new one.
        given().contentType(ContentType.JSON).body("{\"image\":\"" + ref + "\"}").post("/api/migrations")
                .then().statusCode(200).body("id", equalTo(first)).body("created", equalTo(false));
    }

    @Test
    void aRunningMigrationIsCancelledWithWhoAndWhenAndEndedOnesAreNot() throws Exception {
        // Migratable, and with no builder in this test it waits as ANALYZED: running, as far as the API can tell.
        ImageReference ref = registry.reference("control/running:1");
        TinyImage.builder().platform(Platform.LINUX_AMD64)
                .file("/bin/busybox", java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/bin/busybox")), 0755)
                .file("/srv/www/index.html", "cancel me\n")
                .entrypoint("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/srv/www")
                .user("65532").exposedPort("8080/tcp").build()
                .push(registry.client(), ref);
        String id = start(ref.toString());
        awaitState(id, "ANALYZED");
        given().post("/api/migrations/" + id + "/attempts").then().statusCode(409)
                .body("error", equalTo("not-rerunnable"));

        JsonPath cancelled = given().contentType(ContentType.JSON).body("{\"reason\":\"pushed the wrong tag\"}")
                .post("/api/migrations/" + id + "/cancel").then().statusCode(202).extract().jsonPath();
        assertThat(cancelled.getString("state")).isEqualTo("CANCELLED");
        assertThat(cancelled.getString("cancelled.by")).isEqualTo("test-operator");
        assertThat(cancelled.getString("cancelled.at")).isNotBlank();
        assertThat(cancelled.getString("cancelled.reason")).isEqualTo("pushed the wrong tag");
        assertThat(cancelled.getString("reasons[0]")).startsWith("cancelled by test-operator at ").endsWith("pushed the wrong tag");
        awaitState(id, "CANCELLED");

        given().post("/api/migrations/" + id + "/cancel").then().statusCode(409).body("error", equalTo("ended"));
        given().contentType(ContentType.JSON).body("[1]").post("/api/migrations/" + id + "/cancel").then().statusCode(400);
        given().post("/api/migrations/m-" + "0".repeat(24) + "/cancel").then().statusCode(404);
        given().post("/api/migrations/m-" + "0".repeat(24) + "/attempts").then().statusCode(404);
        // A cancelled migration may run again.
        given().post("/api/migrations/" + id + "/attempts").then().statusCode(202).body("attemptOf", equalTo(id));
    }
}
