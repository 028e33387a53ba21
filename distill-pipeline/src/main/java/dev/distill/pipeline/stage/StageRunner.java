package dev.distill.pipeline.stage;

import dev.distill.events.EventCodec;
import dev.distill.events.MigrationEvent;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.events.Topics;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationStatus;
import dev.distill.pipeline.status.MigrationView;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage for one input event.
 *
 * <p>Kafka delivers at least once: after a crash between publishing the outcome and committing the input
 * offset, the input comes again. The runner therefore first brings the status view up to date and skips
 * an input whose stage already ended, so each stage ends at most once per migration. Every exception
 * becomes a {@link StageFailed} event: a stage never dies on one migration.
 */
public final class StageRunner {

    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

    /** What happened to an input. */
    public enum Result {
        /** The stage ended successfully and handed the migration on. */
        HANDED_ON,
        /** The stage ended FAILED or BLOCKED and published why. */
        ENDED_UNSUCCESSFULLY,
        /** The stage had already ended for this migration: a redelivery, nothing published. */
        SKIPPED_DUPLICATE,
        /** The migration was cancelled while the stage worked on it: stopped at a safe point, nothing published. */
        STOPPED_CANCELLED
    }

    private final Stage stage;
    private final MigrationStatus status;
    private final EventPublisher publisher;
    private final Clock clock;
    private final String instance;
    private final Duration catchUpTimeout;

    public StageRunner(Stage stage, MigrationStatus status, EventPublisher publisher, Clock clock, String instance,
            Duration catchUpTimeout) {
        this.stage = stage;
        this.status = status;
        this.publisher = publisher;
        this.clock = clock;
        this.instance = instance;
        this.catchUpTimeout = catchUpTimeout;
    }

    public <I extends MigrationEvent> Result run(I input, StageStep<I> step) {
        String id = input.migrationId();
        if (alreadyHandled(input, step)) {
            LOG.info("{}: {} already ended, skipping redelivered input", stage.label(), id);
            return Result.SKIPPED_DUPLICATE;
        }
        publisher.publish(new StageStarted(id, clock.instant(), stage, instance));
        List<MigrationEvent> outcome;
        try {
            outcome = step.perform(input, new StageContext(publisher, id, stage, clock, () -> cancelled(id),
                    StageContext.PROGRESS_INTERVAL));
        } catch (StageFailure f) {
            if (f.outcome() == Outcome.CANCELLED) {
                LOG.info("{}: {} stopped: {}", stage.label(), id, f.getMessage());
                return Result.STOPPED_CANCELLED;
            }
            LOG.info("{}: {} ended {}: {}", stage.label(), id, f.outcome(), f.getMessage());
            fail(id, f.outcome(), f.getMessage());
            return Result.ENDED_UNSUCCESSFULLY;
        } catch (RuntimeException e) {
            LOG.error("{}: unexpected error for {}", stage.label(), id, e);
            fail(id, Outcome.FAILED, "internal error in the " + stage.label() + " stage (" + e
                    + "); the service logs have the stack trace");
            return Result.ENDED_UNSUCCESSFULLY;
        }
        outcome.forEach(publisher::publish);
        LOG.info("{}: {} handed on", stage.label(), id);
        return Result.HANDED_ON;
    }

    /**
     * Decodes a stage's input record and runs the step on it. A record that cannot be decoded is reported
     * (see {@link #reportUnreadable}) and rethrown, so the messaging layer moves it to the dead-letter topic.
     */
    public <I extends MigrationEvent> Result runRecord(String topic, String key, String payload, Class<I> type,
            StageStep<I> step) {
        I input;
        try {
            input = EventCodec.decode(payload, type);
        } catch (EventCodec.UnreadableEventException e) {
            reportUnreadable(key, topic, e.getMessage());
            throw e;
        }
        return run(input, step);
    }

    /**
     * An input that could not even be read. If its key names a known migration whose stage has not ended,
     * that migration is ended FAILED with the reason, so it does not hang; the caller dead-letters the input.
     */
    public void reportUnreadable(String key, String topic, String reason) {
        if (key == null || key.isBlank()) {
            return;
        }
        status.awaitCaughtUp(catchUpTimeout);
        Optional<MigrationView> view = status.find(key);
        if (view.isPresent() && !view.get().stage(stage).ended() && !view.get().state().isFinal()) {
            fail(key, Outcome.FAILED, "the " + stage.label() + " stage could not read its input event from " + topic
                    + " (" + reason + "); it was moved to " + Topics.deadLetter(topic));
        }
    }

    private <I extends MigrationEvent> boolean alreadyHandled(I input, StageStep<I> step) {
        if (!status.awaitCaughtUp(catchUpTimeout)) {
            LOG.warn("{}: status view did not catch up within {}; deciding on what it has", stage.label(), catchUpTimeout);
        }
        return status.find(input.migrationId()).map(v -> step.alreadyHandled(input, v, stage)).orElse(false);
    }

    /** Whether someone cancelled the migration (the view lags the topics by a poll: a safe point or two later). */
    private boolean cancelled(String id) {
        return status.find(id).map(v -> v.state() == MigrationState.CANCELLED).orElse(false);
    }

    private void fail(String id, Outcome outcome, String reason) {
        publisher.publish(new StageFailed(id, clock.instant(), stage, outcome, reason));
    }
}
