package dev.distill.pipeline.intake;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.events.MigrationOptions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/**
 * Migration ids. An id is derived from what makes a migration the same migration: the source repository,
 * the digest it pointed at and the options. The repository is part of it because results are pushed next
 * to their source, so the same digest in two repositories gives two sets of results.
 */
public final class MigrationIds {

    private static final String PREFIX = "m-";

    private MigrationIds() {
    }

    /** The id for a reference pinned to a digest: the same inputs always give the same id. */
    public static String of(ImageReference pinned, MigrationOptions options) {
        Digest digest = pinned.digestIfPinned().orElseThrow(() -> new IllegalArgumentException(
                "a migration id needs a digest-pinned reference, got '" + pinned + "'"));
        return PREFIX + shortHash("distill-migration-v1\n" + pinned.repositoryLocation() + "@" + digest + "\n"
                + options.canonical());
    }

    /**
     * The id for a request whose digest could not be looked up at intake (registry unreachable, unknown
     * tag). There is nothing stable to derive it from, so it is unique; the analyzer then ends it with the reason.
     */
    public static String unresolved(ImageReference reference, MigrationOptions options, Instant requestedAt) {
        return PREFIX + shortHash("distill-migration-unresolved-v1\n" + reference + "\n" + options.canonical() + "\n"
                + requestedAt + "\n" + UUID.randomUUID());
    }

    /**
     * The id of the {@code attempt}-th run of the migration {@code firstId}: derived, so two requests for the same
     * re-run at once find each other instead of starting two.
     */
    public static String attempt(String firstId, int attempt) {
        if (attempt < 2) {
            throw new IllegalArgumentException("a re-run is attempt 2 or later, got " + attempt);
        }
        return PREFIX + shortHash("distill-migration-attempt-v1\n" + firstId + "\n" + attempt);
    }

    /** True for text shaped like an id this class makes; used to attribute unreadable records. */
    public static boolean looksLikeId(String text) {
        return text != null && text.matches("m-[0-9a-f]{24}");
    }

    private static String shortHash(String text) {
        return Digest.sha256(text.getBytes(StandardCharsets.UTF_8)).hex().substring(0, 24);
    }
}
