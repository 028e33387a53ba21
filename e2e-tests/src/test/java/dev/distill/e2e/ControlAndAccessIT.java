package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.distill.e2e.LocalStack.awaitFinal;
import static dev.distill.e2e.LocalStack.json;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryException;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.TinyImage;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationVerified;
import dev.distill.events.StageFailed;
import dev.distill.events.Topics;
import dev.distill.pipeline.testing.EventLog;
import dev.distill.pipeline.testing.SseClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What people do to migrations on the real stack: cancel one mid-build (the builder stops before tagging anything),
 * run a blocked one again as a new attempt, and the tokens that say who may; last, that no token and no secret was
 * written to a log, an event or a report along the way.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedStack.class)
class ControlAndAccessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RegistryClient USER = RegistryClient.builder().userAgent("e2e-user-push/1.0").build();
    private static final List<String> MIGRATIONS = new ArrayList<>();

    @Test
    @Order(1)
    void aMigrationCancelledWhileItBuildsEndsCancelledWithWhoAndWhenAndTagsNothing() throws Exception {
        String repository = "e2e-cancel/php";
        String id;
        Map<String, String> auth = Map.of("Authorization", "Bearer " + LocalStack.token("reader"));
        try (SseClient all = SseClient.connect(LocalStack.API + "/api/migrations/events?repository=" + repository, auth)) {
            // The seed application: big enough that its build takes seconds, so the cancellation lands inside it.
            FixtureImages.push("debian-php", LocalStack.REGISTRY + "/" + repository + ":1");
            SseClient.Event building = all.until(e -> e.name().equals("stage-started") && e.data().contains("\"BUILD\""),
                    Duration.ofSeconds(240)).stream().reduce((a, b) -> b).orElseThrow();
            id = JSON.readTree(building.data()).get("migrationId").asText();
            MIGRATIONS.add(id);
            HttpResponse<String> cancelled = LocalStack.post("/api/migrations/" + id + "/cancel",
                    "{\"reason\":\"e2e: stop it while it builds\"}");
            assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(202);
            JsonNode doc = json(cancelled);
            assertThat(doc.get("state").asText()).isEqualTo("CANCELLED");
            assertThat(doc.at("/cancelled/by").asText()).isEqualTo("operator");
            assertThat(doc.at("/cancelled/at").asText()).isNotBlank();
            assertThat(doc.at("/cancelled/reason").asText()).isEqualTo("e2e: stop it while it builds");
            // The cancellation is one more update on the stream.
            all.until(e -> e.name().equals("cancelled") && e.data().contains(id), Duration.ofSeconds(30));
        }

        // The builder stops at its next safe point, says so, and publishes nothing more for it.
        Path builderLog = LocalStack.stateDir().resolve("logs/builder-svc.log");
        await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Files.readString(builderLog).contains("build: " + id + " stopped"));
        String stopped = Files.readAllLines(builderLog).stream().filter(l -> l.contains("build: " + id + " stopped"))
                .findFirst().orElseThrow();
        assertThat(stopped).contains("the migration was cancelled");
        List<MigrationEvent> events = EventLog.of(LocalStack.KAFKA, id);
        assertThat(events).noneMatch(e -> e instanceof ImageBuilt || e instanceof StageFailed || e instanceof MigrationVerified);
        for (String program : List.of("php-fpm", "nginx")) {
            ImageReference tag = ImageReference.parse(LocalStack.REGISTRY + "/" + repository + ":1-distroless-" + program);
            assertThatThrownBy(() -> USER.headDigest(tag)).as("no result tag %s", tag).isInstanceOf(RegistryException.class);
        }
        JsonNode after = json(LocalStack.get("/api/migrations/" + id));
        assertThat(after.get("state").asText()).isEqualTo("CANCELLED");
        assertThat(after.at("/stages/1/outcome").asText()).isEqualTo("CANCELLED");
        assertThat(after.at("/results")).isEmpty();
        // Cancelling again: it has ended.
        assertThat(LocalStack.post("/api/migrations/" + id + "/cancel", "").statusCode()).isEqualTo(409);
    }

    @Test
    @Order(2)
    void aBlockedMigrationRunsAgainAsANewAttemptAndAPushOfTheSameDigestStillReportsTheFirst() throws Exception {
        TinyImage scripted = E2eImages.needsAShell("e2e-rerun");
        ImageReference ref = ImageReference.parse(LocalStack.REGISTRY + "/e2e-rerun/scripted:1");
        Digest digest = scripted.push(USER, ref);
        HttpResponse<String> asked = LocalStack.post("/api/migrations", "{\"image\":\"" + ref.withDigest(digest) + "\"}");
        String first = json(asked).get("id").asText();
        MIGRATIONS.add(first);
        assertThat(awaitFinal(first).get("state").asText()).isEqualTo("BLOCKED");

        HttpResponse<String> rerun = LocalStack.post("/api/migrations/" + first + "/attempts", "");
        assertThat(rerun.statusCode()).as(rerun.body()).isEqualTo(202);
        String second = json(rerun).get("id").asText();
        MIGRATIONS.add(second);
        assertThat(second).isNotEqualTo(first);
        assertThat(json(rerun).get("attemptOf").asText()).isEqualTo(first);
        JsonNode secondDone = awaitFinal(second);
        assertThat(secondDone.get("state").asText()).isEqualTo("BLOCKED");
        assertThat(secondDone.at("/source/attempt").asInt()).isEqualTo(2);
        assertThat(secondDone.at("/source/requestedBy").asText()).isEqualTo("operator");
        JsonNode firstNow = json(LocalStack.get("/api/migrations/" + first));
        assertThat(firstNow.get("attempts").findValuesAsText("id")).containsExactly(first, second);

        // Pushed again (the registry notifies the webhook) and asked for again: the first migration, not a third.
        scripted.push(USER, ref);
        HttpResponse<String> again = LocalStack.post("/api/migrations", "{\"image\":\"" + ref + "\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("id").asText()).isEqualTo(first);
        assertThat(json(LocalStack.get("/api/migrations?repository=e2e-rerun/scripted")).get("count").asInt()).isEqualTo(2);
    }

    @Test
    @Order(3)
    void theUserApiTakesOnlyTokensWithTheScopeItNeeds() {
        assertThat(LocalStack.getAs(null, "/api/migrations").statusCode()).isEqualTo(401);
        assertThat(LocalStack.getAs("reader", "/api/migrations").statusCode()).isEqualTo(200);
        HttpResponse<String> refused = LocalStack.postAs("reader", "/api/migrations",
                "{\"image\":\"" + LocalStack.REGISTRY + "/e2e-rerun/scripted:1\"}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).get("message").asText()).contains("'reader' lacks the write scope");
        assertThat(LocalStack.postAs(null, "/api/migrations/" + MIGRATIONS.get(0) + "/cancel", "").statusCode())
                .isEqualTo(401);
        // The UI and the API document are open; they hold no data.
        assertThat(LocalStack.getAs(null, "/").statusCode()).isEqualTo(200);
        assertThat(LocalStack.getAs(null, "/q/openapi").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(4)
    void noTokenOrSecretIsWrittenToALogAnEventOrAReport() throws Exception {
        List<String> secrets = List.of(LocalStack.token("reader"), LocalStack.token("operator"),
                Files.readString(LocalStack.stateDir().resolve("webhook-secret")).strip());
        assertThat(secrets).allSatisfy(s -> assertThat(s).hasSizeGreaterThan(20));

        // Logs: every service, Kafka, the registry, and what the stack's scripts printed.
        List<Path> logs = new ArrayList<>();
        try (Stream<Path> files = Files.list(LocalStack.stateDir().resolve("logs"))) {
            files.filter(Files::isRegularFile).forEach(logs::add);
        }
        logs.add(LocalStack.root().resolve("e2e-tests/target/stack-scripts.log"));
        assertThat(logs).anyMatch(p -> p.getFileName().toString().equals("analyzer-svc.log"));
        for (Path log : logs) {
            String text = new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
            for (String secret : secrets) {
                assertThat(text).as("%s holds a token or secret", log).doesNotContain(secret);
            }
        }

        // Events: every record of every topic, payload and headers, the dead-letter topics too.
        List<String> topics = new ArrayList<>(Topics.EVENT_TOPICS);
        Topics.STAGE_INPUT_TOPICS.forEach(t -> topics.add(Topics.deadLetter(t)));
        int records = 0;
        for (ConsumerRecord<String, String> r : EventLog.records(LocalStack.KAFKA, topics)) {
            records++;
            StringBuilder all = new StringBuilder(String.valueOf(r.key())).append(r.value());
            for (Header h : r.headers()) {
                all.append(new String(h.value(), StandardCharsets.ISO_8859_1));
            }
            for (String secret : secrets) {
                assertThat(all.toString()).as("record %s-%d@%d", r.topic(), r.partition(), r.offset()).doesNotContain(secret);
            }
        }
        assertThat(records).isPositive();

        // Reports: the analysis, build and verification of every migration this stack has, as the API serves them.
        JsonNode list = json(LocalStack.get("/api/migrations?limit=500"));
        int reports = 0;
        for (JsonNode m : list.get("migrations")) {
            for (String report : List.of("analysis", "build", "verification")) {
                HttpResponse<String> r = LocalStack.get("/api/migrations/" + m.get("id").asText() + "/" + report);
                if (r.statusCode() == 200) {
                    reports++;
                    for (String secret : secrets) {
                        assertThat(r.body()).as("the %s report of %s", report, m.get("id").asText()).doesNotContain(secret);
                    }
                }
            }
        }
        assertThat(reports).isPositive();
    }
}
