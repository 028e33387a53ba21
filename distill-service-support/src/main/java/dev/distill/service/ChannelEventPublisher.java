package dev.distill.service;

import dev.distill.events.EventCodec;
import dev.distill.events.MigrationEvent;
import dev.distill.events.Topics;
import dev.distill.pipeline.EventPublisher;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.ce.OutgoingCloudEventMetadata;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaProducer;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.ZoneOffset;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Publishes events through the {@code distill-events} channel: each message carries its topic, its key
 * (the migration id, so one migration's events stay ordered in a partition) and its CloudEvents attributes.
 * Waits for the broker's acknowledgement, so a stage acknowledges its input only after its output is durable.
 * The services get it behind the metered publisher ({@link MetricsBeans}), so it is typed as itself only.
 */
@ApplicationScoped
@Typed(ChannelEventPublisher.class)
public class ChannelEventPublisher implements EventPublisher {

    private static final Logger LOG = Logger.getLogger(ChannelEventPublisher.class);
    private static final String CHANNEL = "distill-events";

    @Inject
    @Channel(CHANNEL)
    MutinyEmitter<String> emitter;

    @ConfigProperty(name = "quarkus.application.name")
    String application;

    @Inject
    MeterRegistry metrics;

    @Inject
    KafkaClientService kafka;

    /**
     * The producer learns every event topic's partitions at start: otherwise the first event sent to each topic waits
     * for that metadata round trip, and the time counts in the next stage's hand-off (issue 15). Best effort: a topic
     * not learnt now is learnt on its first send, as before.
     */
    void learnTopics(@Observes StartupEvent event) {
        KafkaProducer<?, ?> producer = kafka.getProducer(CHANNEL);
        if (producer == null) {
            return;
        }
        // Asked, not awaited: with the broker down at start, waiting would hold the service's start (up to the
        // producer's metadata timeout per topic) for a warm-up that its first send does anyway.
        for (String topic : Topics.EVENT_TOPICS) {
            producer.partitionsFor(topic).subscribe().with(partitions -> { }, e -> LOG.debugf(
                    "the producer could not learn %s's partitions at start (%s); its first send will", topic, e));
        }
    }

    @Override
    public void publish(MigrationEvent event) {
        Message<String> message = Message.of(EventCodec.encode(event))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withTopic(event.type().topic())
                        .withKey(event.migrationId())
                        .build())
                .addMetadata(OutgoingCloudEventMetadata.builder()
                        .withId(event.eventId())
                        .withType(event.type().ceType())
                        .withSource(URI.create("urn:distill:" + application))
                        .withSubject(event.migrationId())
                        .withDataContentType("application/json")
                        .withTimestamp(event.occurredAt().atZone(ZoneOffset.UTC))
                        .build());
        emitter.sendMessageAndAwait(message);
        // Per type, this counts stage outcomes (analyzed, built, verified, failed) for dashboards.
        metrics.counter("distill_events_published", "type", event.type().ceType()).increment();
    }
}
