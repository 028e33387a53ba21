package dev.distill.builder.stage;

import dev.distill.events.ImageAnalyzed;
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
 * The assembly stage: one consumer in the {@code distill-builder} group per instance. The assembly itself is not
 * built yet, so every migration that reaches this stage ends FAILED with "not implemented yet".
 */
@ApplicationScoped
public class BuildConsumer {

    @Inject
    PipelineInfrastructure infrastructure;

    @Inject
    EventPublisher publisher;

    @Inject
    Clock clock;

    private StageRunner runner;
    private final StageStep<ImageAnalyzed> step = new NotImplementedStep<>(Stage.BUILD);

    @PostConstruct
    void init() {
        runner = infrastructure.runner(Stage.BUILD, publisher, clock);
    }

    @Incoming("image-analyzed")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        runner.runRecord(Topics.IMAGE_ANALYZED, record.key(), record.value(), ImageAnalyzed.class, step);
    }
}
