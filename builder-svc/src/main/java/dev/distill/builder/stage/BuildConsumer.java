package dev.distill.builder.stage;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.NotImplementedStep;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.StageConsumer;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The assembly stage: one consumer in the {@code distill-builder} group per instance. The assembly itself is not
 * built yet, so every migration that reaches this stage ends FAILED with "not implemented yet".
 */
@ApplicationScoped
public class BuildConsumer extends StageConsumer<ImageAnalyzed> {

    private final StageStep<ImageAnalyzed> step = new NotImplementedStep<>(Stage.BUILD);

    public BuildConsumer() {
        super(Stage.BUILD, Topics.IMAGE_ANALYZED, ImageAnalyzed.class);
    }

    @Override
    protected StageStep<ImageAnalyzed> step() {
        return step;
    }

    @Incoming("image-analyzed")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        handle(record);
    }
}
