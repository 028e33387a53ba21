package dev.distill.builder.stage;

import dev.distill.events.ImageAnalyzed;
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
class BuildServiceTest extends StageServiceContract {

    @Override
    protected Stage stage() {
        return Stage.BUILD;
    }

    @Override
    protected String consumerGroup() {
        return "distill-builder";
    }

    @Override
    protected String inputTopic() {
        return Topics.IMAGE_ANALYZED;
    }

    @Override
    protected MigrationEvent input(String migrationId) {
        // A report in a registry that is not there: the stage must end the migration FAILED, naming the report.
        return new ImageAnalyzed(migrationId, Instant.now(), "127.0.0.1:1/distill/reports@sha256:" + "a".repeat(64), null, List.of("app"));
    }

    @Override
    protected String expectedReason() {
        return "cannot read the analysis report at 127.0.0.1:1/distill/reports@sha256:";
    }
}
