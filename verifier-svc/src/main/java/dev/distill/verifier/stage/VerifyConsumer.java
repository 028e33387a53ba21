package dev.distill.verifier.stage;

import dev.distill.events.ImageBuilt;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.pipeline.stage.VerifyImagesStep;
import dev.distill.service.StageConsumer;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The verification stage: one consumer in the {@code distill-verifier} group per instance; the work is
 * {@link VerifyImagesStep}'s (pulls, unpacking and runc runs, so blocking, one migration at a time per instance).
 */
@ApplicationScoped
public class VerifyConsumer extends StageConsumer<ImageBuilt> {

    @Inject
    VerifyImagesStep step;

    public VerifyConsumer() {
        super(Stage.VERIFY, Topics.IMAGE_BUILT, ImageBuilt.class);
    }

    @Override
    protected StageStep<ImageBuilt> step() {
        return step;
    }

    @Incoming("image-built")
    @Blocking
    public void consume(ConsumerRecord<String, String> record) {
        handle(record);
    }
}
