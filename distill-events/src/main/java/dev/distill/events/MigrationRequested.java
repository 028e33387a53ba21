package dev.distill.events;

import java.time.Instant;

/**
 * A migration was asked for, by the API or by a registry push.
 *
 * @param image the source reference as requested, e.g. {@code 127.0.0.1:5000/demo/app:1}
 * @param digest the manifest or index digest the reference pointed at when requested, or null when the
 *     registry could not be asked at intake (the analyzer then resolves it, or fails with the reason)
 * @param trigger {@code api}, or {@code webhook:<source>} for a registry notification
 */
public record MigrationRequested(
        String migrationId,
        Instant occurredAt,
        String image,
        String registry,
        String repository,
        String tag,
        String digest,
        MigrationOptions options,
        String trigger) implements MigrationEvent {

    public MigrationRequested {
        MigrationEvent.require(migrationId, "migrationId");
        MigrationEvent.require(image, "image");
        MigrationEvent.require(registry, "registry");
        MigrationEvent.require(repository, "repository");
        MigrationEvent.require(trigger, "trigger");
        if (occurredAt == null) {
            throw new IllegalArgumentException("occurredAt is required");
        }
        if (options == null) {
            options = MigrationOptions.DEFAULT;
        }
    }
}
