package dev.distill.pipeline.stage;

import dev.distill.events.MigrationEvent;
import dev.distill.events.Stage;
import dev.distill.pipeline.EventPublisher;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * What a running step has besides its input: the publisher for events that do not end the stage, progress reports
 * for the engine to call (published as throttled {@code StageProgress} events), and safe points where it stops if
 * the migration was cancelled meanwhile.
 *
 * <p>{@link StageRunner} hands one to {@link StageStep#perform} as its publisher; a step gets it back with
 * {@link #of}, which also serves steps called with a plain publisher (tests, or a step run by another step).
 */
public final class StageContext implements EventPublisher {

    /** At most one progress event per stage and step in this time. */
    static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(1);

    private final EventPublisher publisher;
    private final String migrationId;
    private final Stage stage;
    private final Clock clock;
    private final BooleanSupplier cancelled;
    private final Duration progressInterval;

    StageContext(EventPublisher publisher, String migrationId, Stage stage, Clock clock, BooleanSupplier cancelled,
            Duration progressInterval) {
        this.publisher = publisher;
        this.migrationId = migrationId;
        this.stage = stage;
        this.clock = clock;
        this.cancelled = cancelled;
        this.progressInterval = progressInterval;
    }

    /**
     * The runner's context when {@code progress} is one; otherwise one around that publisher for this migration,
     * never cancelled.
     */
    public static StageContext of(EventPublisher progress, String migrationId, Stage stage, Clock clock) {
        if (progress instanceof StageContext context) {
            return context;
        }
        return new StageContext(progress, migrationId, stage, clock, () -> false, PROGRESS_INTERVAL);
    }

    @Override
    public void publish(MigrationEvent event) {
        publisher.publish(event);
    }

    public Stage stage() {
        return stage;
    }

    /**
     * A safe point: nothing is half done here. If the migration was cancelled, the step stops here.
     *
     * @param next what the step would do next, for the log: "cancelled before {@code next}"
     * @throws StageFailure a cancellation, which the runner turns into nothing published
     */
    public void checkpoint(String next) throws StageFailure {
        if (cancelled.getAsBoolean()) {
            throw StageFailure.cancelled("the migration was cancelled; stopped before " + next);
        }
    }

    /** Progress reports for the engine, published as this stage's {@code StageProgress} of {@code round}. */
    public StageProgressReporter progress(int round) {
        return new StageProgressReporter(publisher, migrationId, stage, round, clock, progressInterval);
    }
}
