package dev.distill.service;

import dev.distill.engine.registry.TransferListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Blob bytes this instance pulled from and pushed to registries: {@code distill_registry_bytes_total{direction}}. */
public final class RegistryTransferMetrics implements TransferListener {

    private final Counter pulled;
    private final Counter pushed;

    public RegistryTransferMetrics(MeterRegistry registry) {
        this.pulled = counter(registry, "pulled");
        this.pushed = counter(registry, "pushed");
    }

    private static Counter counter(MeterRegistry registry, String direction) {
        return Counter.builder("distill.registry.bytes")
                .description("Blob bytes moved between this instance and registries (mounted blobs move none)")
                .baseUnit("bytes")
                .tag("direction", direction)
                .register(registry);
    }

    @Override
    public void pulled(long bytes) {
        pulled.increment(bytes);
    }

    @Override
    public void pushed(long bytes) {
        pushed.increment(bytes);
    }
}
