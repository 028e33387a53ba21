package dev.distill.builder.stage;

import dev.distill.events.RepairRequested;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.RepairBuildStep;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.StageConsumer;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Self-repair builds: the verifier's {@link RepairRequested} events, in group {@code distill-builder-repair}.
 * They run on behalf of the verification (a failed repair ends the VERIFY stage), see {@link RepairBuildStep}.
 */
@ApplicationScoped
public class RepairConsumer extends StageConsumer<RepairRequested> {

    @Inject
    RepairBuildStep step;

    public RepairConsumer() {
        super(Stage.VERIFY, Topics.REPAIR_REQUESTED, RepairRequested.class);
    }

    @Override
    protected StageStep<RepairRequested> step() {
        return step;
    }

    @Incoming("repair-requested")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        handle(record);
    }
}
