package dev.distill.service;

import dev.distill.pipeline.kafka.ConsumerBacklog;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The broker's view of what waits: consumer lag and members per group and stage input topic, and the records each
 * dead-letter topic holds ({@link ConsumerBacklog}), read every {@code distill.metrics.kafka-backlog.interval}.
 * Every instance reports the same numbers (aggregate with {@code max}); since the numbers come from the broker, a
 * stage whose consumers all died still shows its lag growing, which the consumers' own metrics cannot.
 */
@ApplicationScoped
public class KafkaBacklogMetrics {

    private static final Logger LOG = Logger.getLogger(KafkaBacklogMetrics.class);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(20);

    @Inject
    MeterRegistry registry;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "distill.metrics.kafka-backlog.interval")
    Duration interval;

    private final Map<Key, AtomicLong> values = new ConcurrentHashMap<>();
    private ScheduledExecutorService scheduler;
    private Admin admin;
    private Counter failures;

    void start(@Observes StartupEvent event) {
        if (interval.isZero() || interval.isNegative()) {
            LOG.info("Kafka backlog metrics are off (distill.metrics.kafka-backlog.interval=" + interval + ")");
            return;
        }
        failures = Counter.builder("distill.kafka.backlog.read.failures")
                .description("Reads of the consumer backlog from the broker that failed (the values kept are older)")
                .register(registry);
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "distill-backlog-metrics",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) READ_TIMEOUT.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) READ_TIMEOUT.toMillis()));
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "distill-backlog-metrics");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::refresh, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
    }

    void refresh() {
        ConsumerBacklog.Snapshot snapshot;
        try {
            snapshot = ConsumerBacklog.read(admin, READ_TIMEOUT);
        } catch (RuntimeException e) {
            failures.increment();
            LOG.debugf("could not read the consumer backlog: %s", e.getMessage());
            return;
        }
        for (ConsumerBacklog.GroupLag g : snapshot.groups()) {
            set("distill.kafka.consumer.lag", "Records on a stage input topic after the group's committed offsets",
                    Tags.of("group", g.group(), "topic", g.topic()), g.lag());
            set("distill.kafka.consumer.members", "Live members of a consumer group (0: nobody consumes its topic)",
                    Tags.of("group", g.group(), "topic", g.topic()), g.members());
        }
        snapshot.deadLetters().forEach((topic, held) -> set("distill.kafka.dead.letters",
                "Records held in a dead-letter topic: inputs a stage could not read", Tags.of("topic", topic), held));
    }

    private void set(String name, String description, Tags tags, long value) {
        values.computeIfAbsent(new Key(name, tags), key -> {
            AtomicLong holder = new AtomicLong();
            Gauge.builder(name, holder, AtomicLong::get).description(description).tags(tags).register(registry);
            return holder;
        }).set(value);
    }

    private record Key(String name, Tags tags) {
    }
}
