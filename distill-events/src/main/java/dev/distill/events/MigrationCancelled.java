package dev.distill.events;

import java.time.Instant;

/**
 * Someone cancelled a running migration. The migration ends CANCELLED (unless it had already ended before this
 * happened); a stage working on it stops at its next safe point and publishes nothing more for it.
 *
 * @param by who asked: the name of the API token, or {@code anonymous} where access control is off
 * @param reason what they gave as the reason, or null
 */
public record MigrationCancelled(String migrationId, Instant occurredAt, String by, String reason) implements MigrationEvent {

    public MigrationCancelled {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(by, "by");
        if (occurredAt == null) {
            throw new IllegalArgumentException("occurredAt is required");
        }
    }
}
