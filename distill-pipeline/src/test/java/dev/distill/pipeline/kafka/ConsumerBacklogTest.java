package dev.distill.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.Topics;
import dev.distill.pipeline.testing.EmbeddedKafka;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Against a real in-process KRaft broker: the backlog as the broker has it, also of a group whose consumers are gone. */
class ConsumerBacklogTest {

    private static EmbeddedKafka kafka;
    private static Admin admin;

    @BeforeAll
    static void startKafka() {
        kafka = EmbeddedKafka.start();
        EventTopics.ensure(kafka.bootstrapServers(), 3, (short) 1);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    }

    @AfterAll
    static void stopKafka() {
        admin.close();
        kafka.close();
    }

    @Test
    void lagOfLiveAndDeadGroupsAndTheRecordsHeldInDeadLetterTopics() throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName(),
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName()))) {
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(Topics.IMAGE_ANALYZED, 0, "m-" + i, "{}")).get();
            }
            producer.send(new ProducerRecord<>(Topics.deadLetter(Topics.IMAGE_BUILT), "m-x", "not json")).get();
        }
        assertThat(ConsumerBacklog.read(admin, Duration.ofSeconds(20)).groups()).isEmpty();

        // A builder that committed 4 of the 10 records of partition 0, then died.
        try (KafkaConsumer<String, String> dead = consumer("distill-builder")) {
            dead.assign(List.of(new TopicPartition(Topics.IMAGE_ANALYZED, 0)));
            dead.commitSync(Map.of(new TopicPartition(Topics.IMAGE_ANALYZED, 0), new OffsetAndMetadata(4)));
        }
        ConsumerBacklog.Snapshot snapshot = ConsumerBacklog.read(admin, Duration.ofSeconds(20));
        assertThat(snapshot.groups()).containsExactly(
                new ConsumerBacklog.GroupLag("distill-builder", Topics.IMAGE_ANALYZED, 6, 0));
        assertThat(snapshot.deadLetters()).containsEntry(Topics.deadLetter(Topics.IMAGE_BUILT), 1L)
                .containsEntry(Topics.deadLetter(Topics.IMAGE_ANALYZED), 0L)
                .containsOnlyKeys(Topics.STAGE_INPUT_TOPICS.stream().map(Topics::deadLetter).toArray(String[]::new));

        // A new group's member, before its first commit: seen from its assignment, the whole topic waiting.
        try (KafkaConsumer<String, String> fresh = consumer("distill-verifier")) {
            fresh.subscribe(List.of(Topics.IMAGE_BUILT));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<ConsumerBacklog.GroupLag> seen;
            do {
                fresh.poll(Duration.ofMillis(100));
                seen = ConsumerBacklog.read(admin, Duration.ofSeconds(20)).groups().stream()
                        .filter(g -> g.group().equals("distill-verifier")).toList();
            } while (seen.isEmpty() && System.nanoTime() < deadline);
            assertThat(seen).containsExactly(new ConsumerBacklog.GroupLag("distill-verifier", Topics.IMAGE_BUILT, 0, 1));
        }

        // A live member that consumed and committed everything: no lag, one member.
        try (KafkaConsumer<String, String> live = consumer("distill-builder")) {
            live.subscribe(List.of(Topics.IMAGE_ANALYZED));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            ConsumerBacklog.GroupLag lag;
            do {
                live.poll(Duration.ofMillis(200));
                live.commitSync();
                lag = ConsumerBacklog.read(admin, Duration.ofSeconds(20)).groups().stream()
                        .filter(g -> g.group().equals("distill-builder")).findFirst().orElseThrow();
            } while ((lag.lag() != 0 || lag.members() != 1) && System.nanoTime() < deadline);
            assertThat(lag).isEqualTo(new ConsumerBacklog.GroupLag("distill-builder", Topics.IMAGE_ANALYZED, 0, 1));
        }
    }

    private static KafkaConsumer<String, String> consumer(String group) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }
}
