package dev.distill.verifier.stage;

import dev.distill.events.ImageBuilt;
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
 * The verification stage: one consumer in the {@code distill-verifier} group per instance. The verification itself is not
 * built yet, so every migration that reaches this stage ends FAILED with "not implemented yet".
 */
@ApplicationScoped
public class VerifyConsumer extends StageConsumer<ImageBuilt> {

    private final StageStep<ImageBuilt> step = new NotImplementedStep<>(Stage.VERIFY);

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
