package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.TinyImage;
import dev.distill.engine.testing.TricklingRegistryFront;
import dev.distill.events.MigrationEvent;
import dev.distill.events.Stage;
import dev.distill.events.StageStarted;
import dev.distill.pipeline.testing.EventLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No migration stalls the pipeline, end to end: a registry that trickles one image's layer holds up none of the others,
 * and a verification that lasts longer than its consumer may go without polling ends with its verdict while its
 * consumer stays in its group. The verifier is restarted with that limit ({@code max.poll.interval.ms}) at 15 s
 * instead of Kafka's 5 minutes, so a verification of about half a minute proves what a long one would, in CI time.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedStack.class)
class NoStallIT {

    /** What the verifier is restarted with, below how long its verification takes. */
    private static final Duration POLL_INTERVAL = Duration.ofSeconds(15);

    @Test
    @Order(1)
    void fiveMigrationsGoThroughWhileATricklingRegistryHoldsAnotherThatThenFailsNamingItsLayer() throws Exception {
        byte[] noise = new byte[32 << 20];
        new Random(11).nextBytes(noise);
        TinyImage slow = TinyImage.builder().platform(Platform.LINUX_AMD64).file("/noise", noise, 0644)
                .entrypoint("/noise").build();
        // Pushed with Distill's own client, which the webhook ignores: the only migration of this image is the one
        // asked for through the trickling front below. A second, fast one through the webhook could keep everything
        // the slow one needs in the analyzer's layer cache before it starts, and it would then rightly read nothing
        // through the front; the race of the two is LayerReadFailureTest's (see docs/reliability.md).
        slow.push(RegistryClient.builder().build(), ImageReference.parse(LocalStack.REGISTRY + "/e2e/trickle-slow:1"));
        Descriptor layer = slow.layerDescriptor();
        try (TricklingRegistryFront front = TricklingRegistryFront.start(LocalStack.REGISTRY)) {
            // Above the 16 KiB/s minimum at first, so it stays in flight as long as the others need, however loaded.
            front.trickle(layer.digest(), 200 * 1024);
            String slowId = LocalStack.json(LocalStack.post("/api/migrations",
                    "{\"image\":\"" + front.host() + "/e2e/trickle-slow:1\"}")).get("id").asText();
            await().atMost(Duration.ofSeconds(60)).until(() -> front.tricklesInProgress() == 1);

            // Five normal pushes: the musl fixture (a program, its library and a dlopen()ed plugin), which succeeds.
            long start = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                FixtureImages.push("musl-plugin", LocalStack.REGISTRY + "/e2e/beside-trickle-" + i + ":1");
            }
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                String repository = "e2e/beside-trickle-" + i;
                await().atMost(Duration.ofSeconds(60)).until(() -> LocalStack.migrationsOf(repository).size() == 1);
                ids.add(LocalStack.migrationsOf(repository).get(0).get("id").asText());
            }
            for (String id : ids) {
                JsonNode done = LocalStack.awaitFinal(id, Duration.ofSeconds(240));
                assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
            }
            Duration five = Duration.ofNanos(System.nanoTime() - start);
            // Nothing waited for the slow one: it is still being read.
            assertThat(state(slowId)).isEqualTo("ANALYZING");
            assertThat(front.tricklesInProgress()).isEqualTo(1);
            System.out.printf("NoStallIT: five migrations pushed and verified in %d s beside the trickling one%n",
                    five.toSeconds());

            // Now its registry drops to a byte per second: below the minimum rate, the analysis gives up on it.
            front.trickle(layer.digest(), 1);
            JsonNode failed = LocalStack.awaitFinal(slowId, Duration.ofSeconds(180));
            assertThat(failed.get("state").asText()).isEqualTo("FAILED");
            assertThat(failed.at("/reasons/0").asText()).contains(layer.digest().toString())
                    .contains("slower than the minimum of 16.0 KiB/s").contains("of 32.0 MiB");
            await().atMost(Duration.ofSeconds(30)).until(() -> front.tricklesAbandoned() == 1);
        }
    }

    @Test
    @Order(2)
    void aVerificationLongerThanItsPollIntervalEndsWithItsVerdictAndItsConsumerStaysInItsGroup() throws Exception {
        // Each run stays up 25 s, so the verification lasts longer than the 15 s its consumer may go without polling.
        Map<String, String> slowVerifier = Map.of("DISTILL_VERIFY_STAYS_UP", "25s", "DISTILL_VERIFY_TIME_LIMIT", "150s",
                "JAVA_OPTS_EXTRA", "-Dkafka.max.poll.interval.ms=" + POLL_INTERVAL.toMillis());
        LocalStack.script(slowVerifier, "restart.sh", "verifier-svc");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStack.KAFKA))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> verifierMembers(admin).size() == 1);
            Set<String> membersBefore = verifierMembers(admin);
            assertThat(membersBefore).singleElement().asString().startsWith("verifier-svc@");

            FixtureImages.push("musl-plugin", LocalStack.REGISTRY + "/e2e/long:1");
            await().atMost(Duration.ofSeconds(60)).until(() -> LocalStack.migrationsOf("e2e/long").size() == 1);
            String id = LocalStack.migrationsOf("e2e/long").get(0).get("id").asText();
            JsonNode done = LocalStack.awaitFinal(id, Duration.ofMinutes(6));

            assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
            JsonNode verify = stage(done, "verify");
            Duration took = Duration.between(Instant.parse(verify.get("startedAt").asText()),
                    Instant.parse(verify.get("endedAt").asText()));
            assertThat(took).isGreaterThan(POLL_INTERVAL.plusSeconds(5));
            // The same consumer (same member id: no rebalance, no restart) was in the group all along ...
            assertThat(verifierMembers(admin)).isEqualTo(membersBefore);
            // ... the verification was started once, and the verifier is healthy.
            List<MigrationEvent> events = EventLog.of(LocalStack.KAFKA, id);
            assertThat(events).filteredOn(e -> e instanceof StageStarted s && s.stage() == Stage.VERIFY
                    && s.instance().startsWith("verifier-svc@")).hasSize(1);
            assertThat(LocalStack.get(LocalStack.service("verifier-svc"), "/q/health/live").statusCode()).isEqualTo(200);
            System.out.printf("NoStallIT: verification of %s took %d s%n", id, took.toSeconds());
        } finally {
            LocalStack.script("restart.sh", "verifier-svc");
        }
    }

    private static String state(String id) {
        return LocalStack.json(LocalStack.get("/api/migrations/" + id)).get("state").asText();
    }

    private static JsonNode stage(JsonNode migration, String name) {
        for (JsonNode s : migration.get("stages")) {
            if (s.get("stage").asText().equals(name)) {
                return s;
            }
        }
        throw new AssertionError("no stage " + name + " in " + migration);
    }

    /** The verifier group's members, as client id and member id. */
    private static Set<String> verifierMembers(Admin admin) throws Exception {
        List<MemberDescription> members = new ArrayList<>(admin.describeConsumerGroups(List.of("distill-verifier"))
                .all().get(30, TimeUnit.SECONDS).get("distill-verifier").members());
        return members.stream().map(m -> m.clientId() + " " + m.consumerId()).collect(Collectors.toSet());
    }
}
