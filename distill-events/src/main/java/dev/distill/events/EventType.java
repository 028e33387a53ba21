package dev.distill.events;

import java.util.Arrays;
import java.util.Optional;

/** Each event type with its CloudEvents {@code type} attribute, its topic and its payload record. */
public enum EventType {
    MIGRATION_REQUESTED("dev.distill.migration.requested.v1", Topics.MIGRATION_REQUESTED, MigrationRequested.class),
    STAGE_STARTED("dev.distill.stage.started.v1", Topics.MIGRATION_PROGRESS, StageStarted.class),
    IMAGE_RESOLVED("dev.distill.image.resolved.v1", Topics.MIGRATION_PROGRESS, ImageResolved.class),
    REPORT_STORED("dev.distill.report.stored.v1", Topics.MIGRATION_PROGRESS, ReportStored.class),
    STAGE_PROGRESS("dev.distill.stage.progress.v1", Topics.MIGRATION_PROGRESS, StageProgress.class),
    MIGRATION_CANCELLED("dev.distill.migration.cancelled.v1", Topics.MIGRATION_PROGRESS, MigrationCancelled.class),
    IMAGE_ANALYZED("dev.distill.image.analyzed.v1", Topics.IMAGE_ANALYZED, ImageAnalyzed.class),
    IMAGE_BUILT("dev.distill.image.built.v1", Topics.IMAGE_BUILT, ImageBuilt.class),
    REPAIR_REQUESTED("dev.distill.repair.requested.v1", Topics.REPAIR_REQUESTED, RepairRequested.class),
    MIGRATION_VERIFIED("dev.distill.migration.verified.v1", Topics.MIGRATION_VERIFIED, MigrationVerified.class),
    STAGE_FAILED("dev.distill.stage.failed.v1", Topics.STAGE_FAILED, StageFailed.class);

    private final String ceType;
    private final String topic;
    private final Class<? extends MigrationEvent> payload;

    EventType(String ceType, String topic, Class<? extends MigrationEvent> payload) {
        this.ceType = ceType;
        this.topic = topic;
        this.payload = payload;
    }

    public String ceType() {
        return ceType;
    }

    public String topic() {
        return topic;
    }

    public Class<? extends MigrationEvent> payload() {
        return payload;
    }

    public static Optional<EventType> fromCeType(String ceType) {
        return Arrays.stream(values()).filter(t -> t.ceType.equals(ceType)).findFirst();
    }

    static EventType of(MigrationEvent event) {
        return Arrays.stream(values()).filter(t -> t.payload == event.getClass()).findFirst()
                .orElseThrow(() -> new IllegalStateException("no event type for " + event.getClass()));
    }
}
