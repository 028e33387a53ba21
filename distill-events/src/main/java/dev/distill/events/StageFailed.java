package dev.distill.events;

import java.time.Instant;

/**
 * A stage could not finish. {@code outcome} is FAILED (an error: registry down, bad input, a bug) or
 * BLOCKED (the image cannot be migrated as it is); {@code reason} is written for the person who must act.
 */
public record StageFailed(String migrationId, Instant occurredAt, Stage stage, Outcome outcome, String reason)
        implements MigrationEvent {

    public StageFailed {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(reason, "reason");
        if (stage == null || occurredAt == null) {
            throw new IllegalArgumentException("stage and occurredAt are required, got " + stage + ", " + occurredAt);
        }
        if (outcome != Outcome.FAILED && outcome != Outcome.BLOCKED) {
            throw new IllegalArgumentException("a stage fails as FAILED or BLOCKED, not " + outcome);
        }
    }
}
