package dev.distill.verifier.stage;

import dev.distill.events.ImageBuilt;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.pipeline.stage.StageStep;
import dev.distill.pipeline.stage.VerifyImagesStep;
import dev.distill.service.StageConsumer;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * The verification stage: one consumer in the {@code distill-verifier} group per instance; the work is
 * {@link VerifyImagesStep}'s (pulls, unpacking and runc runs), several migrations at a time per instance
 * ({@code distill.stage.concurrency}), each within its budget however long it takes.
 */
@ApplicationScoped
public class VerifyConsumer extends StageConsumer<ImageBuilt> {

    static final String CHANNEL = "image-built";

    @Inject
    VerifyImagesStep step;

    public VerifyConsumer() {
        super(Stage.VERIFY, CHANNEL, Topics.IMAGE_BUILT, ImageBuilt.class);
    }

    @Override
    protected StageStep<ImageBuilt> step() {
        return step;
    }

    /** Hands the record over and returns; see {@link dev.distill.service.StageConsumer} for acknowledgement and order. */
    @Incoming(CHANNEL)
    @Blocking(value = "distill-verify", ordered = false)
    public CompletionStage<Void> consume(ConsumerRecord<String, String> record) {
        return handle(record);
    }
}
