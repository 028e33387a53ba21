package dev.distill.service;

import dev.distill.pipeline.status.MigrationStatusStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the status view has read the history: before that, idempotence checks would be blind. */
@Readiness
@ApplicationScoped
public class StatusViewReadiness implements HealthCheck {

    @Inject
    MigrationStatusStore store;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("migration-status-view")
                .status(store.isReady())
                .withData("migrations", store.size())
                .withData("eventsApplied", store.eventsApplied())
                .withData("unreadableEvents", store.unreadableEvents())
                .build();
    }
}
