package dev.distill.engine.verification;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.Platform;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The source's run under the probes, kept by what decides it: the source image's digest, the platform, the
 * verifier's options (probes, limits, confinement) and the probe set (ports, places it settles). A source's answers
 * are a function of these, so a repair round or a second build of the same source verifies against them without
 * unpacking and running the source again. Only runs whose every probe passed are kept: a source that failed a
 * probe (a slow start on a busy host) is run again next time. Bounded, least recently used first out; thread-safe.
 */
final class SourceAnswers {

    /** What a source's run is a function of. */
    record Key(Digest source, Platform platform, MigrationVerifier.Options options, List<Integer> ports, List<String> settle) {

        Key {
            ports = List.copyOf(ports);
            settle = List.copyOf(settle);
        }
    }

    private final Map<Key, SandboxRun.Outcome> entries;

    SourceAnswers(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be 0 or more, got " + capacity);
        }
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, SandboxRun.Outcome> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized Optional<SandboxRun.Outcome> get(Key key) {
        return Optional.ofNullable(entries.get(key));
    }

    /** Keeps the outcome when the source ran and passed every probe. */
    synchronized void offer(Key key, SandboxRun.Outcome outcome) {
        if (outcome != null && outcome.run().passed()) {
            entries.put(key, outcome);
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
