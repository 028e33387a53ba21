package dev.distill.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.events.Topics;
import dev.distill.pipeline.kafka.EventTopics;
import dev.distill.pipeline.kafka.KafkaEventPublisher;
import dev.distill.pipeline.testing.EmbeddedKafka;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real in-process KRaft broker. */
class MigrationStatusStoreTest {

    private static EmbeddedKafka kafka;
    private static KafkaEventPublisher publisher;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        EventTopics.ensure(kafka.bootstrapServers(), 3, (short) 1);
        publisher = new KafkaEventPublisher(kafka.bootstrapServers(), URI.create("urn:distill:test"));
    }

    @AfterAll
    static void stopKafka() {
        publisher.close();
        kafka.close();
    }

    private static MigrationRequested requested(String id, String repo, Instant at) {
        return new MigrationRequested(id, at, "127.0.0.1:5000/" + repo + ":1", "127.0.0.1:5000", repo, "1",
                null, MigrationOptions.DEFAULT, "api");
    }

    @Test
    void readYourWritesAcrossTopicsAndTheSameViewAfterARestartAndOnEveryInstance() {
        Instant t = Instant.parse("2026-11-27T10:00:00Z");
        try (MigrationStatusStore first = new MigrationStatusStore(kafka.bootstrapServers(), Topics.EVENT_TOPICS)) {
            first.start();
            publisher.publish(requested("m-s1", "demo/a", t));
            publisher.publish(new StageStarted("m-s1", t.plusSeconds(1), Stage.ANALYZE, "x"));
            publisher.publish(new StageFailed("m-s1", t.plusSeconds(2), Stage.ANALYZE, Outcome.FAILED, "unreachable"));
            publisher.publish(requested("m-s2", "demo/b", t.plusSeconds(5)));

            assertThat(first.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            assertThat(first.isReady()).isTrue();
            assertThat(first.find("m-s1").orElseThrow().state()).isEqualTo(MigrationState.FAILED);
            assertThat(first.find("m-s1").orElseThrow().reasons()).containsExactly("analyze: unreachable");
            assertThat(first.list(v -> v.id().startsWith("m-s"), 10)).extracting(MigrationView::id)
                    .containsExactly("m-s2", "m-s1");

            // A second instance (or the first after a restart) rebuilds the same view from the topics.
            try (MigrationStatusStore second = new MigrationStatusStore(kafka.bootstrapServers(), Topics.EVENT_TOPICS)) {
                second.start();
                assertThat(second.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
                assertThat(second.find("m-s1")).isEqualTo(first.find("m-s1"));
                assertThat(second.find("m-s2")).isEqualTo(first.find("m-s2"));
            }
        }
    }

    @Test
    void barriersAskedFromManyThreadsAtOnceEachSeeTheirOwnWrite() throws Exception {
        // Each barrier wakes the projecting consumer, wherever it is in its loop: none may lose a record or a barrier.
        try (MigrationStatusStore store = new MigrationStatusStore(kafka.bootstrapServers(), Topics.EVENT_TOPICS)) {
            store.start();
            assertThat(store.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> seen = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    String id = "m-many-" + i;
                    Instant at = Instant.parse("2026-11-27T12:00:00Z").plusSeconds(i);
                    seen.add(pool.submit(() -> {
                        publisher.publish(requested(id, "demo/many", at));
                        return store.awaitCaughtUp(Duration.ofSeconds(20)) && store.find(id).isPresent();
                    }));
                }
                for (Future<Boolean> f : seen) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(store.count(v -> v.id().startsWith("m-many-"))).isEqualTo(40);
        }
    }

    @Test
    void anUnreadableRecordIsCountedAndSkippedWithoutStoppingTheView() {
        try (MigrationStatusStore store = new MigrationStatusStore(kafka.bootstrapServers(), Topics.EVENT_TOPICS)) {
            store.start();
            publisher.send(Topics.STAGE_FAILED, "m-bad", "dev.distill.stage.failed.v1", "x-1", "{not json", null);
            publisher.send(Topics.STAGE_FAILED, "m-bad", "dev.distill.unknown.v7", "x-2", "{}", null);
            publisher.publish(requested("m-after-bad", "demo/c", Instant.parse("2026-11-27T11:00:00Z")));
            assertThat(store.awaitCaughtUp(Duration.ofSeconds(20))).isTrue();
            assertThat(store.unreadableEvents()).isGreaterThanOrEqualTo(2);
            assertThat(store.find("m-after-bad")).isPresent();
            assertThat(store.find("m-bad")).isEmpty();
        }
    }
}
