package dev.distill.pipeline;

import dev.distill.events.MigrationEvent;

/**
 * Publishes a migration event to its topic, keyed by migration id. Returns only once the broker has the
 * event, so a caller can rely on it being durable before acknowledging its own input.
 */
@FunctionalInterface
public interface EventPublisher {

    void publish(MigrationEvent event);
}
