/**
 * What the pipeline measures, without a metrics library: the {@link dev.distill.pipeline.metrics.PipelineMetrics}
 * port, the bounded label values it takes, and {@link dev.distill.pipeline.metrics.MeteredEventPublisher}, which
 * derives every measurement from the events an instance publishes (so each is counted once, by whoever did the work).
 */
package dev.distill.pipeline.metrics;
