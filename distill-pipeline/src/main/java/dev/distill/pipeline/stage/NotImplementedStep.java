package dev.distill.pipeline.stage;

import dev.distill.events.MigrationEvent;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import java.util.List;

/**
 * Stands in for a stage whose real work does not exist yet: it ends the migration FAILED and says so, so
 * nothing reports success for work that was not done.
 */
public final class NotImplementedStep<I extends MigrationEvent> implements StageStep<I> {

    private final Stage stage;

    public NotImplementedStep(Stage stage) {
        this.stage = stage;
    }

    @Override
    public List<MigrationEvent> perform(I input, EventPublisher progress) throws StageFailure {
        throw StageFailure.failed("the " + stage.label() + " stage is not implemented yet; this migration stops here");
    }
}
