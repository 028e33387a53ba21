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
    protected String inputTopic() {
        return Topics.IMAGE_ANALYZED;
    }

    @Override
    protected MigrationEvent input(String migrationId) {
        return new ImageAnalyzed(migrationId, Instant.now(), "/api/migrations/" + migrationId + "/analysis", null, List.of("app"));
    }

    @Override
    protected String expectedReason() {
        return "not implemented yet";
    }
}
