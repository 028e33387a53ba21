package dev.distill.analyzer.stage;

import dev.distill.engine.registry.RegistryClient;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.stage.ResolveImageStep;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.service.PipelineInfrastructure;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The analysis stage: one consumer in the {@code distill-analyzer} group per instance. Registry and file work
 * blocks, so it runs on a worker thread; an unreadable input is rethrown to land in the dead-letter topic.
 */
@ApplicationScoped
public class AnalyzeConsumer {

    @Inject
    PipelineInfrastructure infrastructure;

    @Inject
    EventPublisher publisher;

    @Inject
    RegistryClient registry;

    @Inject
    Clock clock;

    private StageRunner runner;
    private ResolveImageStep step;

    @PostConstruct
    void init() {
        runner = infrastructure.runner(Stage.ANALYZE, publisher, clock);
        step = new ResolveImageStep(registry::resolve, clock);
    }

    @Incoming("migration-requested")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        runner.runRecord(Topics.MIGRATION_REQUESTED, record.key(), record.value(), MigrationRequested.class, step);
    }
}
