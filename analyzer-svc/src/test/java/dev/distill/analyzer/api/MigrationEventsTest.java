package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageProgress;
import dev.distill.events.StageStarted;
import dev.distill.pipeline.kafka.KafkaEventPublisher;
import dev.distill.pipeline.testing.SseClient;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live progress over Server-Sent Events, from the status view Kafka feeds: the past on connect, then each update,
 * the end after the final state, and a reconnect with {@code Last-Event-ID} that gets exactly what it missed. The
 * events are published straight to the broker, as the other services would.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class MigrationEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static KafkaEventPublisher kafka;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void producer() {
        kafka = new KafkaEventPublisher(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class),
                URI.create("urn:distill:test"));
    }

    @AfterAll
    static void closeProducer() {
        kafka.close();
    }

    @BeforeEach
    void operatorToken() {
        ApiTokens.useOperator();
    }

    private SseClient connect(String path, String lastEventId) throws Exception {
        Map<String, String> headers = lastEventId == null ? Map.of("Authorization", ApiTokens.bearer(ApiTokens.READER))
                : Map.of("Authorization", ApiTokens.bearer(ApiTokens.READER), "Last-Event-ID", lastEventId);
        return SseClient.connect(URI.create(base.toString()).resolve(path).toString(), headers);
    }

    private static JsonNode data(SseClient.Event e) throws Exception {
        return JSON.readTree(e.data());
    }

    /** Events of a migration no stage of this service reacts to (none of them is a request), a second apart. */
    private static Instant at(Instant t0, int second) {
        return t0.plusSeconds(second);
    }

    private static void publish(MigrationEvent... events) {
        for (MigrationEvent e : events) {
            kafka.publish(e);
        }
    }

    @Test
    void aClientSeesThePastThenEachUpdateLiveAndAfterAReconnectExactlyWhatItMissed() throws Exception {
        String id = "m-" + "e".repeat(23) + "1";
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        publish(new StageStarted(id, at(t0, 1), Stage.ANALYZE, "analyzer@test"),
                new StageProgress(id, at(t0, 2), Stage.ANALYZE, 0, "read-layers", List.of(
                        new StageProgress.Counter("layers", 1, 2), new StageProgress.Counter("bytes", 500, 1000))),
                new ImageAnalyzed(id, at(t0, 3), "r/distill/reports@sha256:" + "a".repeat(64), null, List.of("app")));

        String lastSeen;
        try (SseClient sse = connect("/api/migrations/" + id + "/events", null)) {
            assertThat(sse.status()).isEqualTo(200);
            assertThat(sse.header("Content-Type")).startsWith("text/event-stream");
            List<SseClient.Event> past = sse.until(e -> e.name().equals("stage-ended"), WAIT);
            assertThat(past).extracting(SseClient.Event::name).containsExactly("stage-started", "progress", "stage-ended");
            JsonNode progress = data(past.get(1));
            assertThat(progress.get("step").asText()).isEqualTo("read-layers");
            assertThat(progress.at("/counters/1/done").asLong()).isEqualTo(500);
            assertThat(progress.at("/counters/1/total").asLong()).isEqualTo(1000);
            assertThat(data(past.get(2)).get("state").asText()).isEqualTo("ANALYZED");
            assertThat(past.get(0).id()).isEqualTo(at(t0, 1).toEpochMilli() + "-" + id + "-stage-started-analyze");

            // Live: the build starts while the client watches.
            publish(new StageStarted(id, at(t0, 4), Stage.BUILD, "builder@test"));
            SseClient.Event started = sse.next(WAIT);
            assertThat(started.name()).isEqualTo("stage-started");
            assertThat(data(started).get("state").asText()).isEqualTo("BUILDING");
            lastSeen = started.id();
        }

        // Gone for a while: the build progresses and ends, verification starts.
        publish(new StageProgress(id, at(t0, 5), Stage.BUILD, 0, "assemble", List.of(
                        new StageProgress.Counter("programs", 1, 1), new StageProgress.Counter("files", 12, 12))),
                new ImageBuilt(id, at(t0, 6), List.of(), 1000, 4000, null, null, null, 0, null),
                new StageStarted(id, at(t0, 7), Stage.VERIFY, "verifier@test"));
        await(id, "VERIFYING");

        try (SseClient sse = connect("/api/migrations/" + id + "/events", lastSeen)) {
            List<SseClient.Event> missed = sse.until(e -> e.name().equals("stage-started"), WAIT);
            assertThat(missed).extracting(SseClient.Event::name).containsExactly("progress", "stage-ended", "stage-started");
            assertThat(data(missed.get(0)).at("/counters/1/done").asLong()).isEqualTo(12);

            publish(new MigrationVerified(id, at(t0, 8), Outcome.SUCCEEDED, List.of("probes pass"), 4000, 1000,
                    List.of("/bin/sh"), null, 0, null, null));
            SseClient.Event verdict = sse.next(WAIT);
            assertThat(verdict.name()).isEqualTo("verdict");
            assertThat(data(verdict).get("outcome").asText()).isEqualTo("SUCCEEDED");
            assertThat(data(verdict).get("reasons").get(0).asText()).isEqualTo("probes pass");
            // The stream ends after the final state.
            assertThat(sse.awaitEnd(WAIT)).isTrue();
            lastSeen = verdict.id();
        }

        // Nothing after the verdict will ever come: 204 tells an EventSource to stop reconnecting.
        try (SseClient sse = connect("/api/migrations/" + id + "/events", lastSeen)) {
            assertThat(sse.status()).isEqualTo(204);
        }
        // A new client of the ended migration gets its whole story, then the end.
        try (SseClient sse = connect("/api/migrations/" + id + "/events", null)) {
            List<SseClient.Event> all = sse.until(e -> e.name().equals("verdict"), WAIT);
            assertThat(all).extracting(SseClient.Event::name).containsExactly("stage-started", "progress", "stage-ended",
                    "stage-started", "progress", "stage-ended", "stage-started", "verdict");
            assertThat(sse.awaitEnd(WAIT)).isTrue();
        }
    }

    @Test
    void theStreamOfAllMigrationsCarriesTransitionsNotProgress() throws Exception {
        String id = "m-" + "e".repeat(23) + "2";
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (SseClient sse = connect("/api/migrations/events", null)) {
            assertThat(sse.status()).isEqualTo(200);
            // This stream replays nothing without Last-Event-ID, and its headers may reach the client before the
            // server listens to the status view: a keep-alive comment comes only from a stream that listens.
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> sse.comments() >= 1);
            publish(new StageStarted(id, at(t0, 1), Stage.ANALYZE, "analyzer@test"),
                    new StageProgress(id, at(t0, 2), Stage.ANALYZE, 0, "read-layers", List.of()),
                    new ImageAnalyzed(id, at(t0, 3), "r/distill/reports@sha256:" + "a".repeat(64), null, List.of("app")));
            List<SseClient.Event> seen = sse.until(e -> e.name().equals("stage-ended") && e.data().contains(id), WAIT);
            assertThat(seen.stream().filter(e -> e.data().contains(id))).extracting(SseClient.Event::name)
                    .containsExactly("stage-started", "stage-ended");
        }
    }

    @Test
    void aQuietStreamGetsKeepAliveComments() throws Exception {
        try (SseClient sse = connect("/api/migrations/events", null)) {
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> sse.comments() >= 2);
        }
    }

    @Test
    void anUnknownMigrationIs404AndAStreamNeedsAToken() {
        given().get("/api/migrations/m-" + "0".repeat(24) + "/events").then().statusCode(404);
        given().header("Authorization", "").get("/api/migrations/events").then().statusCode(401);
    }

    private static void await(String id, String state) {
        org.awaitility.Awaitility.await().atMost(WAIT).until(() ->
                state.equals(given().get("/api/migrations/" + id).then().extract().jsonPath().getString("state")));
    }
}
