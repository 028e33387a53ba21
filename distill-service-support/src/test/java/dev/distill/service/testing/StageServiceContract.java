package dev.distill.service.testing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.events.Topics;
import dev.distill.pipeline.kafka.KafkaEventPublisher;
import dev.distill.pipeline.testing.EventLog;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every stage service must do, tested against its real Kafka consumer: take its input from its topic,
 * end each migration exactly once even when the input is delivered twice, dead-letter an unreadable input
 * and fail its migration with the reason, and stay healthy. Subclasses name the stage and its input.
 */
public abstract class StageServiceContract {

    protected KafkaEventPublisher publisher;
    protected String bootstrap;

    protected abstract Stage stage();

    protected abstract String inputTopic();

    /** The event this stage consumes, for the given migration. */
    protected abstract MigrationEvent input(String migrationId);

    /** What the stage's reason must say for a well-formed input. */
    protected abstract String expectedReason();

    @BeforeEach
    void connect() {
        bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        publisher = new KafkaEventPublisher(bootstrap, URI.create("urn:distill:test"));
    }

    @AfterEach
    void disconnect() {
        publisher.close();
    }

    protected String newMigration() {
        String id = "m-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        publisher.publish(new MigrationRequested(id, Instant.now(), "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000",
                "demo/app", "1", null, MigrationOptions.DEFAULT, "api"));
        return id;
    }

    protected List<StageFailed> failures(String id) {
        return EventLog.of(bootstrap, id).stream()
                .filter(e -> e instanceof StageFailed f && f.stage() == stage())
                .map(StageFailed.class::cast).toList();
    }

    /** The stage's consumer group. */
    protected abstract String consumerGroup();

    /**
     * Waits until the stage's consumer group has committed every record now in its input topic: the stage runs inputs
     * concurrently, so a later input's outcome says nothing about an earlier one, but a commit comes only once every
     * earlier record of the partition is handled.
     */
    protected void awaitInputsHandled() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(inputTopic())).allTopicNames().get()
                    .get(inputTopic()).partitions().stream().map(p -> new TopicPartition(inputTopic(), p.partition())).toList();
            Map<TopicPartition, Long> ends = new java.util.HashMap<>();
            for (var e : admin.listOffsets(partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all().get().entrySet()) {
                ends.put(e.getKey(), e.getValue().offset());
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(consumerGroup())
                        .partitionsToOffsetAndMetadata().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue());
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theStageEndsEachMigrationOnceEvenWhenItsInputComesTwice() {
        String id = newMigration();
        publisher.publish(input(id));
        await().atMost(Duration.ofSeconds(30)).until(() -> failures(id).size() == 1);
        publisher.publish(input(id));
        awaitInputsHandled();

        List<MigrationEvent> events = EventLog.of(bootstrap, id);
        assertThat(failures(id)).singleElement().satisfies(f -> {
            assertThat(f.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(f.reason()).contains(expectedReason());
        });
        assertThat(events).filteredOn(e -> e instanceof StageStarted s && s.stage() == stage()).hasSize(1);
    }

    @Test
    void anUnreadableInputGoesToTheDeadLetterTopicAndFailsItsMigrationWithTheReason() {
        String id = newMigration();
        publisher.send(inputTopic(), id, input(id).type().ceType(), "poison-" + id, "{this is not json", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> failures(id).size() == 1);
        assertThat(failures(id).get(0).reason()).contains("could not read its input event").contains(Topics.deadLetter(inputTopic()));
        await().atMost(Duration.ofSeconds(30)).until(() -> EventLog.records(bootstrap, List.of(Topics.deadLetter(inputTopic())))
                .stream().anyMatch(r -> id.equals(r.key()) && r.value().startsWith("{this is not json")));

        // The stage is still alive and working.
        String next = newMigration();
        publisher.publish(input(next));
        await().atMost(Duration.ofSeconds(30)).until(() -> failures(next).size() == 1);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void eachStageRunIsMeasuredAndTheBrokersBacklogIsPublished() {
        String id = newMigration();
        publisher.publish(input(id));
        await().atMost(Duration.ofSeconds(30)).until(() -> failures(id).size() == 1);
        String stage = stage().label();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<PrometheusText.Sample> samples = PrometheusText.parse(given().get("/q/metrics").then().statusCode(200)
                    .extract().asString());
            assertThat(PrometheusText.value(samples, "distill_stage_runs_total", "stage", stage, "outcome", "failed"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(PrometheusText.value(samples, "distill_stage_duration_seconds_count", "stage", stage, "outcome", "failed"))
                    .isGreaterThanOrEqualTo(1);
            assertThat(PrometheusText.value(samples, "distill_stage_duration_seconds_bucket", "stage", stage, "outcome",
                    "failed", "le", "+Inf")).isGreaterThanOrEqualTo(1);
            assertThat(PrometheusText.value(samples, "distill_migrations_ended_total", "stage", stage, "outcome", "FAILED",
                    "reason_class", "stage_error", "trigger", "api")).isGreaterThanOrEqualTo(1);
            assertThat(PrometheusText.value(samples, "distill_migration_duration_seconds_count", "outcome", "FAILED",
                    "trigger", "api")).isGreaterThanOrEqualTo(1);
            // Read from the broker: this stage's own group on its input topic, and its dead-letter topic.
            assertThat(PrometheusText.find(samples, "distill_kafka_consumer_lag", "topic", inputTopic())).isNotEmpty();
            assertThat(PrometheusText.find(samples, "distill_kafka_consumer_members", "topic", inputTopic()))
                    .anySatisfy(m -> assertThat(m.value()).isGreaterThanOrEqualTo(1));
            assertThat(PrometheusText.find(samples, "distill_kafka_dead_letters", "topic", Topics.deadLetter(inputTopic())))
                    .isNotEmpty();
            assertThat(PrometheusText.find(samples, "distill_migration_oldest_unfinished_age_seconds")).isNotEmpty();
            assertThat(PrometheusText.find(samples, "distill_registry_bytes_total", "direction", "pulled")).isNotEmpty();
        });
    }

    @Test
    void healthAndPrometheusMetricsAreServed() {
        given().get("/q/health/ready").then().statusCode(200).body(containsString("migration-status-view"));
        given().get("/q/health/live").then().statusCode(200).body(containsString("stage-runs"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"))
                .body(containsString("distill_migrations{state=\"FAILED\"}"))
                .body(containsString("distill_status_events_applied_total"))
                .body(containsString("kafka_consumer_fetch_manager_records_lag_max"));
    }
}
