package dev.distill.pipeline.stage;

import dev.distill.events.MigrationEvent;
import dev.distill.pipeline.EventPublisher;
import java.util.List;

/**
 * The work of one stage for one migration, free of Kafka and of any framework.
 *
 * @param <I> the input event the stage consumes
 */
@FunctionalInterface
public interface StageStep<I extends MigrationEvent> {

    /**
     * @param progress for progress events published while working (they do not end the stage)
     * @return the events that end the stage successfully and hand the migration on
     * @throws StageFailure when the stage cannot finish, with the reason
     */
    List<MigrationEvent> perform(I input, EventPublisher progress) throws StageFailure;
}
