package dev.distill.pipeline.kafka;

import dev.distill.events.EventCodec;
import dev.distill.events.MigrationEvent;
import dev.distill.pipeline.EventPublisher;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes events with a plain Kafka producer as binary-mode CloudEvents ({@code ce_*} headers), the same
 * wire form the services' SmallRye channels write. For tools and tests; the services use their channels.
 */
public final class KafkaEventPublisher implements EventPublisher, AutoCloseable {

    private final KafkaProducer<String, String> producer;
    private final URI source;

    public KafkaEventPublisher(String bootstrapServers, URI source) {
        this.source = source;
        this.producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                new StringSerializer(), new StringSerializer());
    }

    @Override
    public void publish(MigrationEvent event) {
        send(event.type().topic(), event.migrationId(), event.type().ceType(), event.eventId(), EventCodec.encode(event),
                event.occurredAt().toString());
    }

    /** Sends raw bytes with CloudEvents headers: lets tests publish poison messages the way a bug would. */
    public void send(String topic, String key, String ceType, String ceId, String payload, String time) {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_specversion", bytes("1.0"));
        headers.add("ce_id", bytes(ceId));
        headers.add("ce_type", bytes(ceType));
        headers.add("ce_source", bytes(source.toString()));
        headers.add("ce_subject", bytes(key));
        if (time != null) {
            headers.add("ce_time", bytes(time));
        }
        headers.add("content-type", bytes("application/json"));
        try {
            producer.send(new ProducerRecord<>(topic, null, key, payload, headers)).get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Kafka did not take event " + ceId + " for " + topic + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing " + ceId, e);
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }


    @Override
    public void close() {
        producer.close();
    }
}
