package dev.distill.analyzer.stage;

import dev.distill.events.MigrationRequested;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.AnalyzeImageStep;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.StageConsumer;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The analysis stage: one consumer in the {@code distill-analyzer} group per instance. Registry and file
 * work blocks, so it runs on a worker thread.
 */
@ApplicationScoped
public class AnalyzeConsumer extends StageConsumer<MigrationRequested> {

    @Inject
    AnalyzeImageStep step;

    public AnalyzeConsumer() {
        super(Stage.ANALYZE, Topics.MIGRATION_REQUESTED, MigrationRequested.class);
    }

    @Override
    protected StageStep<MigrationRequested> step() {
        return step;
    }

    @Incoming("migration-requested")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        handle(record);
    }
}
