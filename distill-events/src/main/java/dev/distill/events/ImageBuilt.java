package dev.distill.events;

import java.time.Instant;
import java.util.List;

/** The builder pushed the distroless result image(s). */
public record ImageBuilt(String migrationId, Instant occurredAt, List<BuiltImage> images) implements MigrationEvent {

    public ImageBuilt {
        MigrationEvent.require(migrationId, "migrationId");
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** One pushed result: which program it runs, where it is and its digest. */
    public record BuiltImage(String program, String reference, String digest) {
    }
}
