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

/**
 * Prometheus metrics for dashboards: migrations per state (from this instance's status view, so every
 * instance reports the same numbers) and how the view itself is doing.
 */
@ApplicationScoped
public class PipelineMetrics {

    @Inject
    MeterRegistry registry;

    @Inject
    MigrationStatusStore store;

    void register(@Observes StartupEvent event) {
        for (MigrationState state : MigrationState.values()) {
            Gauge.builder("distill_migrations", store, s -> s.count(v -> v.state() == state))
                    .description("Migrations by state, as the status view knows them")
                    .tag("state", state.name())
                    .register(registry);
        }
        FunctionCounter.builder("distill_status_events_applied", store, MigrationStatusStore::eventsApplied)
                .description("Events the status view has applied since this instance started")
                .register(registry);
        FunctionCounter.builder("distill_status_events_unreadable", store, MigrationStatusStore::unreadableEvents)
                .description("Events the status view could not read and skipped")
                .register(registry);
    }
}
