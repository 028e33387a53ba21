package dev.distill.pipeline.status;

import dev.distill.events.Outcome;
import java.time.Instant;

/**
 * One stage of one migration: when it started and ended, and how. {@code outcome} is SUCCEEDED when the
 * stage handed its result on, FAILED or BLOCKED when it could not finish.
 */
public record StageRecord(Instant startedAt, Instant endedAt, Outcome outcome, String reason) {

    static final StageRecord NOT_STARTED = new StageRecord(null, null, null, null);

    public boolean started() {
        return startedAt != null || endedAt != null;
    }

    public boolean ended() {
        return endedAt != null;
    }

    StageRecord start(Instant at) {
        // Keep the first start: a redelivered input may start a stage twice.
        return startedAt != null && !startedAt.isAfter(at) ? this : new StageRecord(at, endedAt, outcome, reason);
    }

    StageRecord end(Instant at, Outcome how, String why) {
        // Keep the first ending, so a duplicate outcome cannot rewrite history.
        return ended() ? this : new StageRecord(startedAt, at, how, why);
    }
}
