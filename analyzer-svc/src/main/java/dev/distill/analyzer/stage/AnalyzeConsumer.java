package dev.distill.analyzer.stage;

import dev.distill.events.MigrationRequested;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.AnalyzeImageStep;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.StageConsumer;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The analysis stage: one consumer in the {@code distill-analyzer} group per instance, several migrations at a time
 * ({@code distill.stage.concurrency}); registry and file work blocks, so it runs on the stage runner's threads.
 */
@ApplicationScoped
public class AnalyzeConsumer extends StageConsumer<MigrationRequested> {

    static final String CHANNEL = "migration-requested";

    @Inject
    AnalyzeImageStep step;

    public AnalyzeConsumer() {
        super(Stage.ANALYZE, CHANNEL, Topics.MIGRATION_REQUESTED, MigrationRequested.class);
    }

    @Override
    protected StageStep<MigrationRequested> step() {
        return step;
    }

    /** Hands the record over and returns; see {@link dev.distill.service.StageConsumer} for acknowledgement and order. */
    @Incoming(CHANNEL)
    @Blocking(value = "distill-analyze", ordered = false)
    public CompletionStage<Void> consume(ConsumerRecord<String, String> record) {
        return handle(record);
    }
}
