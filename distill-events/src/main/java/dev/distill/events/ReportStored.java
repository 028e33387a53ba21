package dev.distill.events;

import java.time.Instant;

/**
 * A stage stored its full report (the analysis with its migration plan; later the verification evidence)
 * where any service can fetch it. Published before the stage's outcome, so a blocked migration's report can
 * be read too.
 *
 * @param location {@code registry/repository@sha256:...} of the report document
 * @param digest the document's sha256, to check what was fetched
 * @param classification the report's summary verdict, e.g. MIGRATABLE, NEEDS_REVIEW or BLOCKED
 */
public record ReportStored(String migrationId, Instant occurredAt, Stage stage, String location, String digest,
        String classification) implements MigrationEvent {

    public ReportStored {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(location, "location");
        if (stage == null || occurredAt == null) {
            throw new IllegalArgumentException("stage and occurredAt are required, got " + stage + ", " + occurredAt);
        }
    }
}
