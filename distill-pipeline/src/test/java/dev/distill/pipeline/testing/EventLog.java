package dev.distill.pipeline.testing;

import dev.distill.events.EventCodec;
import dev.distill.events.MigrationEvent;
import dev.distill.events.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads what is in Kafka right now, for assertions on what a test caused to be published. */
public final class EventLog {

    private EventLog() {
    }

    /** Every readable migration event (unreadable records are left out) in the event topics, in no particular cross-topic order. */
    public static List<MigrationEvent> all(String bootstrapServers) {
        List<MigrationEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, String> r : records(bootstrapServers, Topics.EVENT_TOPICS)) {
            Header type = r.headers().lastHeader("ce_type");
            if (type == null) {
                continue;
            }
            try {
                events.add(EventCodec.decode(new String(type.value(), StandardCharsets.UTF_8),
                        r.value() == null ? null : r.value().getBytes(StandardCharsets.UTF_8)));
            } catch (EventCodec.UnreadableEventException e) {
                // Poison records that tests put there on purpose.
            }
        }
        return events;
    }

    public static List<MigrationEvent> of(String bootstrapServers, String migrationId) {
        return all(bootstrapServers).stream().filter(e -> e.migrationId().equals(migrationId)).toList();
    }

    /** The raw records of the given topics, from the beginning to their current end. */
    public static List<ConsumerRecord<String, String>> records(String bootstrapServers, List<String> topics) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                var infos = c.partitionsFor(topic, Duration.ofSeconds(10));
                if (infos != null) {
                    infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
                }
            }
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp)) && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
