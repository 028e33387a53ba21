package dev.distill.service;

import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.kafka.EventTopics;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.pipeline.status.MigrationStatusStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Creates the topics at start-up and provides the status view (rebuilt from Kafka) and stage runners.
 */
@ApplicationScoped
public class PipelineInfrastructure {

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "distill.kafka.partitions")
    int partitions;

    @ConfigProperty(name = "distill.kafka.replication-factor")
    short replicationFactor;

    @ConfigProperty(name = "distill.status.catch-up-timeout")
    Duration catchUpTimeout;

    @ConfigProperty(name = "quarkus.application.name")
    String application;

    private volatile MigrationStatusStore store;

    /** Runs before the messaging channels connect, so the topics exist with the right retention. */
    void createTopics(@Observes @Priority(1) StartupEvent event) {
        EventTopics.ensure(bootstrapServers, partitions, replicationFactor);
        statusStore().start();
    }

    void stop(@Observes ShutdownEvent event) {
        if (store != null) {
            store.close();
        }
    }

    @Produces
    @Singleton
    synchronized MigrationStatusStore statusStore() {
        if (store == null) {
            store = new MigrationStatusStore(bootstrapServers, Topics.EVENT_TOPICS);
        }
        return store;
    }

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    /** Which instance did the work, for the stage records: application name and process. */
    public String instanceName() {
        return application + "@" + ManagementFactory.getRuntimeMXBean().getName();
    }

    public Duration catchUpTimeout() {
        return catchUpTimeout;
    }

    public StageRunner runner(Stage stage, EventPublisher publisher, Clock clock) {
        return new StageRunner(stage, statusStore(), publisher, clock, instanceName(), catchUpTimeout);
    }
}
