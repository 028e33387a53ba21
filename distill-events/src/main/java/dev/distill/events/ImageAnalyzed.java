package dev.distill.events;

import java.time.Instant;
import java.util.List;

/**
 * The analysis is complete and a migration plan exists. The plan itself is large and is fetched by
 * reference, not carried here.
 *
 * @param reportLocation where the full analysis report and plan can be fetched
 * @param reportDigest sha256 of the report, so a consumer can check it fetched the right one
 * @param programs the programs the plan migrates, one result image each
 */
public record ImageAnalyzed(
        String migrationId,
        Instant occurredAt,
        String reportLocation,
        String reportDigest,
        List<String> programs) implements MigrationEvent {

    public ImageAnalyzed {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(reportLocation, "reportLocation");
        programs = programs == null ? List.of() : List.copyOf(programs);
    }
}
