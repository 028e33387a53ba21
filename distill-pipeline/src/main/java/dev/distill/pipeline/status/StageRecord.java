package dev.distill.pipeline.status;

import dev.distill.events.Outcome;
import java.time.Instant;

/**
 * One stage of one migration: when it started and ended, and how. {@code outcome} is SUCCEEDED when the
 * stage handed its result on, FAILED or BLOCKED when it could not finish; {@code startedBy} is the instance that
 * took it up last (after a crash, the one that took it over).
 */
public record StageRecord(Instant startedAt, Instant endedAt, Outcome outcome, String reason, String startedBy) {

    static final StageRecord NOT_STARTED = new StageRecord(null, null, null, null, null);

    public boolean started() {
        return startedAt != null || endedAt != null;
    }

    public boolean ended() {
        return endedAt != null;
    }

    StageRecord start(Instant at, String instance) {
        // Keep the first start: a redelivered input may start a stage twice. The instance is the latest one's.
        Instant first = startedAt != null && !startedAt.isAfter(at) ? startedAt : at;
        return new StageRecord(first, endedAt, outcome, reason, instance != null ? instance : startedBy);
    }

    StageRecord end(Instant at, Outcome how, String why) {
        // Keep the first ending, so a duplicate outcome cannot rewrite history.
        return ended() ? this : new StageRecord(startedAt, at, how, why, startedBy);
    }
}
