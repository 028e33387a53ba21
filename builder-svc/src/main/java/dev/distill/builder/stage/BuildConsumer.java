package dev.distill.builder.stage;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.BuildImagesStep;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.service.StageConsumer;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The assembly stage: one consumer in the {@code distill-builder} group per instance; the work is
 * {@link BuildImagesStep}'s (registry and file work, so blocking).
 */
@ApplicationScoped
public class BuildConsumer extends StageConsumer<ImageAnalyzed> {

    static final String CHANNEL = "image-analyzed";

    @Inject
    BuildImagesStep step;

    public BuildConsumer() {
        super(Stage.BUILD, CHANNEL, Topics.IMAGE_ANALYZED, ImageAnalyzed.class);
    }

    @Override
    protected StageStep<ImageAnalyzed> step() {
        return step;
    }

    /** Hands the record over and returns; see {@link dev.distill.service.StageConsumer} for acknowledgement and order. */
    @Incoming(CHANNEL)
    @Blocking(value = "distill-build", ordered = false)
    public CompletionStage<Void> consume(ConsumerRecord<String, String> record) {
        return handle(record);
    }
}
