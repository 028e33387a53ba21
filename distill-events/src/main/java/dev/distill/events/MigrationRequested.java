package dev.distill.events;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.time.Instant;

/**
 * A migration was asked for, by the API, by a registry push, or as another attempt of one that ended.
 *
 * @param image the source reference as requested, e.g. {@code 127.0.0.1:5000/demo/app:1}
 * @param digest the manifest or index digest the reference pointed at when requested, or null when the
 *     registry could not be asked at intake (the analyzer then resolves it, or fails with the reason)
 * @param trigger {@code api}, {@code webhook:<source>} for a registry notification, or {@code rerun}
 * @param attemptOf for a re-run, the id of the first migration of the same image (null for a first attempt)
 * @param attempt 1 for a first attempt, n for the n-th run of the same image (a boxed number only because events
 *     written before attempts existed lack it: they read as 1)
 * @param requestedBy the name of the API token that asked, or null (registry pushes, access control off)
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
        String trigger,
        String attemptOf,
        Integer attempt,
        String requestedBy) implements MigrationEvent {

    @JsonCreator
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
        // Events written before attempts existed have no attempt: they were first attempts.
        if (attempt == null || attempt < 1) {
            attempt = 1;
        }
        if (attempt > 1 && (attemptOf == null || attemptOf.isBlank())) {
            throw new IllegalArgumentException("attempt " + attempt + " must name the migration it re-runs (attemptOf)");
        }
    }

    /** A first attempt, as intake asks for it. */
    public MigrationRequested(String migrationId, Instant occurredAt, String image, String registry, String repository,
            String tag, String digest, MigrationOptions options, String trigger) {
        this(migrationId, occurredAt, image, registry, repository, tag, digest, options, trigger, null, 1, null);
    }
}
