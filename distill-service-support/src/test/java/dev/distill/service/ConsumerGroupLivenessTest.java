package dev.distill.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.pipeline.testing.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Liveness of a claimant is its membership of the stage's consumer group, on a real broker. */
class ConsumerGroupLivenessTest {

    @Test
    void anInstanceIsAliveWhileOneOfItsConsumersIsInTheGroupAndGoneOnceItLeft() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start();
                Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("input", 3, (short) 1))).all().get();
            ConsumerGroupLiveness liveness = new ConsumerGroupLiveness(admin, "stage-group");
            assertThat(liveness.isAlive("builder-svc@12@host/ab")).as("no group yet: nobody is in it").isFalse();
            KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "stage-group",
                    ConsumerConfig.CLIENT_ID_CONFIG, ConsumerGroupLiveness.clientId("builder-svc@12@host/ab", "image-analyzed")),
                    new StringDeserializer(), new StringDeserializer());
            try {
                consumer.subscribe(List.of("input"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    consumer.poll(Duration.ofMillis(100));
                    return liveness.isAlive("builder-svc@12@host/ab");
                });
                assertThat(liveness.isAlive("builder-svc@12@host/cd")).as("another process of the same service").isFalse();
                assertThat(liveness.isAlive("builder-svc@12@host/a")).as("a prefix of the name is not the name").isFalse();
            } finally {
                consumer.close();  // leaves the group, as a stopped instance does; a crashed one is dropped after the session timeout
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !liveness.isAlive("builder-svc@12@host/ab"));
        }
    }

    @Test
    void whenKafkaCannotBeAskedEveryClaimantCountsAsAlive() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "2000", AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "1000"))) {
            assertThat(new ConsumerGroupLiveness(admin, "stage-group", Duration.ofSeconds(1)).isAlive("anyone@1@host/ab")).isTrue();
        }
    }
}
