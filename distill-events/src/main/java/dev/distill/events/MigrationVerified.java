package dev.distill.events;

import java.time.Instant;
import java.util.List;

/** The verifier's verdict: the migration's final outcome with the reasons behind it. */
public record MigrationVerified(String migrationId, Instant occurredAt, Outcome verdict, List<String> reasons)
        implements MigrationEvent {

    public MigrationVerified {
        MigrationEvent.require(migrationId, "migrationId");
        if (verdict == null) {
            throw new IllegalArgumentException("verdict is required");
        }
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
