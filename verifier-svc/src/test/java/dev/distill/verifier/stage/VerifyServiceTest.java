package dev.distill.verifier.stage;

import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationEvent;
import dev.distill.events.Stage;
import dev.distill.events.Topics;
import dev.distill.service.testing.KafkaBrokerResource;
import dev.distill.service.testing.StageServiceContract;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.List;

@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class VerifyServiceTest extends StageServiceContract {

    @Override
    protected Stage stage() {
        return Stage.VERIFY;
    }

    @Override
    protected String consumerGroup() {
        return "distill-verifier";
    }

    @Override
    protected String inputTopic() {
        return Topics.IMAGE_BUILT;
    }

    @Override
    protected MigrationEvent input(String migrationId) {
        return new ImageBuilt(migrationId, Instant.now(), List.of(new ImageBuilt.BuiltImage("app", "127.0.0.1:5000/demo/app:1-distroless", "sha256:" + "a".repeat(64), "127.0.0.1:5000/distill/static:nonroot", "sha256:" + "b".repeat(64), "65532:65532", 1, 2, 1)), 10, 20, null,
                // A build report in a registry that is not there: the stage must end the migration FAILED, naming it.
                "127.0.0.1:1/distill/reports@sha256:" + "c".repeat(64), null, 0, null);
    }

    @Override
    protected String expectedReason() {
        return "cannot read the build report at 127.0.0.1:1/distill/reports@sha256:";
    }
}
