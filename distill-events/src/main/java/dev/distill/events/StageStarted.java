package dev.distill.events;

import java.time.Instant;

/**
 * A stage took a migration up: {@code instance} says which service instance, for operators, and it is a claim on
 * the work. {@code work} names the input being worked on (its event type, and the round for verification and
 * repairs), so that an instance that receives the same input again (a rebalance, a redelivery) can see that a live
 * instance is on it and does not start it a second time; {@code deadline} is when that instance's time budget for
 * it ends. Both are null in events written before they existed.
 */
public record StageStarted(String migrationId, Instant occurredAt, Stage stage, String instance, String work,
        Instant deadline) implements MigrationEvent {

    public StageStarted {
        MigrationEvent.require(migrationId, "migrationId");
        if (stage == null || occurredAt == null) {
            throw new IllegalArgumentException("stage and occurredAt are required, got " + stage + ", " + occurredAt);
        }
    }

    /** A start without a claim on a particular input (as events were written before claims). */
    public StageStarted(String migrationId, Instant occurredAt, Stage stage, String instance) {
        this(migrationId, occurredAt, stage, instance, null, null);
    }
}
