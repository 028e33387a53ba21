package dev.distill.builder.stage;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.BuildImagesStep;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.StageConsumer;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The assembly stage: one consumer in the {@code distill-builder} group per instance; the work is
 * {@link BuildImagesStep}'s (registry and file work, so blocking).
 */
@ApplicationScoped
public class BuildConsumer extends StageConsumer<ImageAnalyzed> {

    @Inject
    BuildImagesStep step;

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
