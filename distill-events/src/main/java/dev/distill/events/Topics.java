package dev.distill.events;

import java.util.List;

/**
 * Kafka topic names. Each stage reads one input topic; the status view reads them all. The event topics
 * are the system of record (kept forever); dead-letter topics hold inputs a stage could not read.
 */
public final class Topics {

    public static final String MIGRATION_REQUESTED = "distill.migration.requested";
    public static final String MIGRATION_PROGRESS = "distill.migration.progress";
    public static final String IMAGE_ANALYZED = "distill.image.analyzed";
    public static final String IMAGE_BUILT = "distill.image.built";
    public static final String REPAIR_REQUESTED = "distill.image.repair";
    public static final String MIGRATION_VERIFIED = "distill.migration.verified";
    public static final String STAGE_FAILED = "distill.stage.failed";

    /** Every topic that carries migration events, in pipeline order. */
    public static final List<String> EVENT_TOPICS = List.of(
            MIGRATION_REQUESTED, MIGRATION_PROGRESS, IMAGE_ANALYZED, IMAGE_BUILT, REPAIR_REQUESTED, MIGRATION_VERIFIED,
            STAGE_FAILED);

    /** The stage input topics, each with a dead-letter topic. */
    public static final List<String> STAGE_INPUT_TOPICS = List.of(MIGRATION_REQUESTED, IMAGE_ANALYZED, IMAGE_BUILT,
            REPAIR_REQUESTED);

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + ".dlq";
    }
}
