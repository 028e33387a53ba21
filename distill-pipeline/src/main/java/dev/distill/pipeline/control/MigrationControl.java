package dev.distill.pipeline.control;

import dev.distill.events.MigrationCancelled;
import dev.distill.events.MigrationRequested;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.intake.MigrationIds;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationStatus;
import dev.distill.pipeline.status.MigrationView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs an ended migration again, and cancels a running one.
 *
 * <p>A re-run is a new migration with its own id ({@link MigrationIds#attempt}), linked to the first one of the
 * same image; the first id stays what a push of that digest reports. A cancellation is an event: the migration
 * ends CANCELLED with who and when, and a stage working on it stops at its next safe point.
 */
public final class MigrationControl {

    /** How a re-run request went. */
    public enum RerunOutcome {
        /** A new attempt was started. */
        STARTED,
        /** That attempt exists already (two requests at once): nothing new was started. */
        EXISTS,
        /** No such migration. */
        UNKNOWN,
        /** The migration (or its latest attempt) has not ended, or ended in a way that does not run again. */
        REFUSED
    }

    /**
     * @param migrationId the new attempt (or the one that exists), null when refused or unknown
     * @param firstId the first migration of the image
     * @param message why it was refused, for people
     */
    public record Rerun(RerunOutcome outcome, String migrationId, String firstId, int attempt, String message) {
    }

    /** How a cancellation request went. */
    public enum CancelOutcome {
        /** The migration is now CANCELLED. */
        CANCELLED,
        /** No such migration. */
        UNKNOWN,
        /** It had ended already (possibly a moment before the cancellation), so it stays as it ended. */
        ENDED
    }

    public record Cancel(CancelOutcome outcome, MigrationState state, String message) {
    }

    private final MigrationStatus status;
    private final EventPublisher publisher;
    private final Clock clock;
    private final Duration catchUpTimeout;
    private final ConcurrentHashMap<String, Object> busy = new ConcurrentHashMap<>();

    public MigrationControl(MigrationStatus status, EventPublisher publisher, Clock clock, Duration catchUpTimeout) {
        this.status = status;
        this.publisher = publisher;
        this.clock = clock;
        this.catchUpTimeout = catchUpTimeout;
    }

    /**
     * Runs the image of {@code migrationId} again, as the next attempt of its first migration.
     *
     * @param by the name of whoever asks
     * @throws IllegalStateException when the status view cannot be brought up to date (Kafka unavailable); nothing
     *     was started then
     */
    public Rerun rerun(String migrationId, String by) {
        MigrationView asked = find(migrationId).orElse(null);
        if (asked == null || asked.source() == null) {
            return new Rerun(RerunOutcome.UNKNOWN, null, null, 0, "no migration with id '" + migrationId + "'");
        }
        String first = asked.source().firstAttempt(asked.id());
        Object lock = busy.computeIfAbsent(first, k -> new Object());
        synchronized (lock) {
            try {
                List<MigrationView> attempts = status.list(v -> v.source() != null
                        && first.equals(v.source().firstAttempt(v.id())), Integer.MAX_VALUE);
                MigrationView latest = attempts.stream()
                        .max(Comparator.comparingInt((MigrationView v) -> v.source().attempt()))
                        .orElse(asked);
                if (!latest.state().isFinal()) {
                    return refused(first, latest, "attempt " + latest.source().attempt() + " (" + latest.id() + ") is "
                            + latest.state() + ": wait for it to end, or cancel it first");
                }
                if (!latest.state().mayRunAgain()) {
                    return refused(first, latest, "attempt " + latest.source().attempt() + " (" + latest.id() + ") ended "
                            + latest.state() + "; only a migration that ended FAILED, BLOCKED, NEEDS_REVIEW or CANCELLED"
                            + " runs again");
                }
                int attempt = latest.source().attempt() + 1;
                String id = MigrationIds.attempt(first, attempt);
                if (status.find(id).isPresent()) {
                    return new Rerun(RerunOutcome.EXISTS, id, first, attempt, "attempt " + attempt + " exists already");
                }
                MigrationView.Source s = asked.source();
                publisher.publish(new MigrationRequested(id, clock.instant(), s.image(), s.registry(), s.repository(), s.tag(),
                        s.digest(), s.options(), "rerun", first, attempt, by));
                status.awaitCaughtUp(catchUpTimeout);
                return new Rerun(RerunOutcome.STARTED, id, first, attempt, null);
            } finally {
                busy.remove(first, lock);
            }
        }
    }

    private static Rerun refused(String first, MigrationView latest, String message) {
        return new Rerun(RerunOutcome.REFUSED, null, first, latest.source().attempt(), message);
    }

    /**
     * Cancels a migration that has not ended.
     *
     * @param by the name of whoever asks
     * @param reason what they say, or null
     * @throws IllegalStateException when the status view cannot be brought up to date (Kafka unavailable); nothing
     *     was published then
     */
    public Cancel cancel(String migrationId, String by, String reason) {
        MigrationView view = find(migrationId).orElse(null);
        if (view == null) {
            return new Cancel(CancelOutcome.UNKNOWN, null, "no migration with id '" + migrationId + "'");
        }
        if (view.state().isFinal()) {
            return new Cancel(CancelOutcome.ENDED, view.state(), "migration " + migrationId + " has ended already: "
                    + view.state());
        }
        Instant now = clock.instant();
        publisher.publish(new MigrationCancelled(migrationId, now, by, reason));
        status.awaitCaughtUp(catchUpTimeout);
        MigrationState after = status.find(migrationId).map(MigrationView::state).orElse(MigrationState.CANCELLED);
        if (after != MigrationState.CANCELLED) {
            return new Cancel(CancelOutcome.ENDED, after, "migration " + migrationId + " ended " + after
                    + " before the cancellation took effect");
        }
        return new Cancel(CancelOutcome.CANCELLED, after, null);
    }

    private Optional<MigrationView> find(String id) {
        if (!status.awaitCaughtUp(catchUpTimeout)) {
            throw new IllegalStateException("the migration status view is not up to date (is Kafka reachable?);"
                    + " nothing was done, try again");
        }
        return status.find(id);
    }
}
