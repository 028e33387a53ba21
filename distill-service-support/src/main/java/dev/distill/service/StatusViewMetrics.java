package dev.distill.service;

import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationStatusStore;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Gauges read from this instance's status view: migrations per state, the age of the oldest migration still
 * without a final state, and how the view itself is doing. Every instance has the whole view, so every instance
 * reports the same numbers: aggregate them with {@code max}, never {@code sum}.
 */
@ApplicationScoped
public class StatusViewMetrics {

    @Inject
    MeterRegistry registry;

    @Inject
    MigrationStatusStore store;

    @Inject
    Clock clock;

    void register(@Observes StartupEvent event) {
        for (MigrationState state : MigrationState.values()) {
            Gauge.builder("distill_migrations", store, s -> s.count(v -> v.state() == state))
                    .description("Migrations by state, as the status view knows them")
                    .tag("state", state.name())
                    .register(registry);
        }
        Gauge.builder("distill.migration.oldest.unfinished.age", this, StatusViewMetrics::oldestUnfinishedAgeSeconds)
                .description("Seconds since the oldest migration without a final state was requested (0: none is unfinished)")
                .baseUnit("seconds")
                .register(registry);
        FunctionCounter.builder("distill_status_events_applied", store, MigrationStatusStore::eventsApplied)
                .description("Events the status view has applied since this instance started")
                .register(registry);
        FunctionCounter.builder("distill_status_events_unreadable", store, MigrationStatusStore::unreadableEvents)
                .description("Events the status view could not read and skipped")
                .register(registry);
    }

    double oldestUnfinishedAgeSeconds() {
        Instant now = clock.instant();
        return store.list(v -> !v.state().isFinal(), Integer.MAX_VALUE).stream()
                .map(v -> v.requestedAt() != null ? v.requestedAt() : v.updatedAt())
                .filter(java.util.Objects::nonNull)
                .min(Instant::compareTo)
                .map(oldest -> Math.max(0, Duration.between(oldest, now).toMillis() / 1000.0))
                .orElse(0.0);
    }
}
