package dev.distill.events;

import java.time.Instant;

/** What every pipeline event has: the migration it belongs to (the Kafka key) and when it happened. */
public sealed interface MigrationEvent
        permits MigrationRequested, StageStarted, ImageResolved, ReportStored, StageProgress, ImageAnalyzed, ImageBuilt,
        RepairRequested, MigrationVerified, StageFailed, MigrationCancelled {

    /** Version of the payload schema; bumped (with a new CloudEvents type) on incompatible change. */
    int SCHEMA_VERSION = 1;

    String migrationId();

    Instant occurredAt();

    /** The CloudEvents type, topic and payload class of this event. */
    default EventType type() {
        return EventType.of(this);
    }

    /** A stable id for the CloudEvent, so a republished event can be recognised as the same one. */
    default String eventId() {
        return migrationId() + "/" + type().ceType() + "/" + occurredAt().toEpochMilli();
    }

    static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required, got '" + value + "'");
        }
    }
}
