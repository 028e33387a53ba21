package dev.distill.pipeline.intake;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.status.MigrationStatus;
import dev.distill.pipeline.status.MigrationView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Admits migration requests from the API and from registry pushes. A request for a digest that already
 * has a migration (with the same options) returns that migration instead of starting a duplicate.
 */
public final class MigrationIntake {

    /** Looks up the digest a tag points at now; empty when the registry cannot say. */
    @FunctionalInterface
    public interface DigestLookup {
        Optional<Digest> currentDigest(ImageReference reference);
    }

    /**
     * The answer to a request.
     *
     * @param created true when this request started the migration, false when it already existed
     */
    public record Admission(String migrationId, boolean created) {
    }

    private final MigrationStatus status;
    private final EventPublisher publisher;
    private final DigestLookup digests;
    private final Clock clock;
    private final Duration catchUpTimeout;
    private final ConcurrentHashMap<String, Object> admitting = new ConcurrentHashMap<>();

    public MigrationIntake(MigrationStatus status, EventPublisher publisher, DigestLookup digests, Clock clock,
            Duration catchUpTimeout) {
        this.status = status;
        this.publisher = publisher;
        this.digests = digests;
        this.clock = clock;
        this.catchUpTimeout = catchUpTimeout;
    }

    /**
     * @param trigger {@code api} or {@code webhook:<source>}
     * @throws IllegalStateException when the status view cannot be brought up to date, so it cannot be told
     *     whether the migration exists (Kafka unavailable); nothing is published then
     */
    public Admission request(ImageReference reference, MigrationOptions options, String trigger) {
        return request(reference, options, trigger, null);
    }

    /**
     * Like {@link #request(ImageReference, MigrationOptions, String)}, naming who asked.
     *
     * @param requestedBy the API token's name, or null
     */
    public Admission request(ImageReference reference, MigrationOptions options, String trigger, String requestedBy) {
        return admit(reference, options, trigger, requestedBy, true);
    }

    /**
     * Like {@link #request(ImageReference, MigrationOptions, String)} for a caller that does not read the migration
     * back (a registry's notification): answered as soon as Kafka has the request, without waiting for this
     * instance's view to show it. Deduplication is the same: a later admission of the same digest that does not find
     * it in the view waits for the view to catch up (past this request) before deciding.
     *
     * @throws IllegalStateException as {@link #request(ImageReference, MigrationOptions, String)}
     */
    public Admission admit(ImageReference reference, MigrationOptions options, String trigger) {
        return admit(reference, options, trigger, null, false);
    }

    private Admission admit(ImageReference reference, MigrationOptions options, String trigger, String requestedBy,
            boolean readBack) {
        Instant now = clock.instant();
        ImageReference pinned = reference.digestIfPinned().isPresent()
                ? reference
                : digests.currentDigest(reference).map(reference::withDigest).orElse(null);
        String id = pinned != null ? MigrationIds.of(pinned, options) : MigrationIds.unresolved(reference, options, now);
        // One admission per id at a time in this instance; across instances a race can publish the request
        // twice, which the projection and the stages absorb (first request wins, stages skip what has ended).
        Object lock = admitting.computeIfAbsent(id, k -> new Object());
        synchronized (lock) {
            try {
                // A migration already in the view was published: a resent notification (the registry resends what it
                // thinks went unanswered) is answered from it without waiting for the view to catch up.
                if (known(id)) {
                    return new Admission(id, false);
                }
                if (!status.awaitCaughtUp(catchUpTimeout)) {
                    throw new IllegalStateException("the migration status view is not up to date (is Kafka reachable?);"
                            + " nothing was started, try again");
                }
                if (known(id)) {
                    return new Admission(id, false);
                }
                ImageReference source = pinned != null ? pinned : reference;
                publisher.publish(new MigrationRequested(id, now, reference.toString(), reference.registry(),
                        reference.repository(), reference.tag(), source.digestIfPinned().map(Digest::toString).orElse(null),
                        options, trigger, null, 1, requestedBy));
                if (readBack) {
                    // The caller may ask for the migration right away (the API's 202 and its Location).
                    status.awaitCaughtUp(catchUpTimeout);
                }
                return new Admission(id, true);
            } finally {
                admitting.remove(id, lock);
            }
        }
    }

    /** True when the view holds the migration's request (not only later events that arrived first). */
    private boolean known(String id) {
        Optional<MigrationView> existing = status.find(id);
        return existing.isPresent() && existing.get().source() != null;
    }
}
