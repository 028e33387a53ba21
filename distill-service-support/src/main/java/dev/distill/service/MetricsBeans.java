package dev.distill.service;

import dev.distill.engine.registry.TransferListener;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.metrics.MeteredEventPublisher;
import dev.distill.pipeline.metrics.PipelineMetrics;
import dev.distill.pipeline.status.MigrationStatusStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Connects the framework-free modules' metric ports to Micrometer: every event a service publishes goes through the
 * {@link MeteredEventPublisher}, and the registry client reports the bytes it moves.
 */
@ApplicationScoped
public class MetricsBeans {

    @Produces
    @Singleton
    PipelineMetrics pipelineMetrics(MeterRegistry registry) {
        return new MicrometerPipelineMetrics(registry).registerKnownSeries();
    }

    @Produces
    @Singleton
    EventPublisher publisher(ChannelEventPublisher channel, MigrationStatusStore status, PipelineMetrics metrics) {
        return new MeteredEventPublisher(channel, status, metrics);
    }

    @Produces
    @Singleton
    TransferListener registryTransfers(MeterRegistry registry) {
        return new RegistryTransferMetrics(registry);
    }
}
