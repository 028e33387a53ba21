package dev.distill.builder.stage;

import dev.distill.events.RepairRequested;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.RepairBuildStep;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.StageConsumer;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Self-repair builds: the verifier's {@link RepairRequested} events, in group {@code distill-builder-repair}.
 * They run on behalf of the verification (a failed repair ends the VERIFY stage), see {@link RepairBuildStep}.
 */
@ApplicationScoped
public class RepairConsumer extends StageConsumer<RepairRequested> {

    static final String CHANNEL = "repair-requested";

    @Inject
    RepairBuildStep step;

    public RepairConsumer() {
        super(Stage.VERIFY, CHANNEL, Topics.REPAIR_REQUESTED, RepairRequested.class);
    }

    @Override
    protected StageStep<RepairRequested> step() {
        return step;
    }

    /** Hands the record over and returns; see {@link dev.distill.service.StageConsumer} for acknowledgement and order. */
    @Incoming(CHANNEL)
    @Blocking(value = "distill-repair", ordered = false)
    public CompletionStage<Void> consume(ConsumerRecord<String, String> record) {
        return handle(record);
    }
}
