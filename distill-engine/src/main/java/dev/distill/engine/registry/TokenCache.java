package dev.distill.engine.registry;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Bearer tokens by registry and scope set, kept until shortly before they expire so a pull of many blobs
 * asks the token server once.
 */
final class TokenCache {

    /** What the distribution token spec says to assume when the server names no lifetime. */
    static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);

    private record Entry(String token, Instant expiresAt) {
    }

    private final Clock clock;
    private final ConcurrentMap<String, Entry> entries = new ConcurrentHashMap<>();

    TokenCache(Clock clock) {
        this.clock = clock;
    }

    static String key(String registry, List<String> scopes) {
        return registry + " " + String.join(" ", new TreeSet<>(scopes));
    }

    Optional<String> get(String key) {
        Entry entry = entries.get(key);
        if (entry == null || !clock.instant().isBefore(entry.expiresAt())) {
            return Optional.empty();
        }
        return Optional.of(entry.token());
    }

    /** Keeps the token for 90% of its lifetime, so it is not used in the last moments before it expires. */
    void put(String key, String token, Duration lifetime) {
        Duration usable = lifetime.isNegative() || lifetime.isZero() ? DEFAULT_LIFETIME : lifetime;
        entries.put(key, new Entry(token, clock.instant().plus(usable.multipliedBy(9).dividedBy(10))));
    }

    void remove(String key) {
        entries.remove(key);
    }
}
