package dev.distill.verifier.stage;

import dev.distill.events.ImageBuilt;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.stage.NotImplementedStep;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.PipelineInfrastructure;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Clock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The verification stage: one consumer in the {@code distill-verifier} group per instance. The verification itself is not
 * built yet, so every migration that reaches this stage ends FAILED with "not implemented yet".
 */
@ApplicationScoped
public class VerifyConsumer {

    @Inject
    PipelineInfrastructure infrastructure;

    @Inject
    EventPublisher publisher;

    @Inject
    Clock clock;

    private StageRunner runner;
    private final StageStep<ImageBuilt> step = new NotImplementedStep<>(Stage.VERIFY);

    @PostConstruct
    void init() {
        runner = infrastructure.runner(Stage.VERIFY, publisher, clock);
    }

    @Incoming("image-built")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        runner.runRecord(Topics.IMAGE_BUILT, record.key(), record.value(), ImageBuilt.class, step);
    }
}
