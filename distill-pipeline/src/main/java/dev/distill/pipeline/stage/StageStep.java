package dev.distill.pipeline.stage;

import dev.distill.events.MigrationEvent;
import dev.distill.events.Stage;
import dev.distill.pipeline.status.MigrationView;
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

    /**
     * Whether this input was handled already (a redelivery, or overtaken by a later round), judged from the
     * migration's status view. By default: once the stage has ended, or the migration has.
     */
    default boolean alreadyHandled(I input, MigrationView view, Stage stage) {
        return view.stage(stage).ended() || view.state().isFinal();
    }

    /**
     * Names the work this input asks for, so that an instance can claim it (see {@link StageRunner}): by default the
     * input's event type; steps that run in rounds add the round.
     */
    default String workKey(I input) {
        return input.type().ceType();
    }
}
