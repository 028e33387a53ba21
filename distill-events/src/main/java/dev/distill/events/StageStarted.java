package dev.distill.events;

import java.time.Instant;

/** A stage took a migration up; {@code instance} says which service instance, for operators. */
public record StageStarted(String migrationId, Instant occurredAt, Stage stage, String instance) implements MigrationEvent {

    public StageStarted {
        MigrationEvent.require(migrationId, "migrationId");
        if (stage == null || occurredAt == null) {
            throw new IllegalArgumentException("stage and occurredAt are required, got " + stage + ", " + occurredAt);
        }
    }
}
