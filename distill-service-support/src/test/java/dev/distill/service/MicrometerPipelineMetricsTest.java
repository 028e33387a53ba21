package dev.distill.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.pipeline.metrics.PipelineMetrics;
import dev.distill.pipeline.metrics.ReasonClass;
import dev.distill.pipeline.metrics.StageOutcome;
import dev.distill.pipeline.metrics.SurfaceKind;
import dev.distill.pipeline.metrics.TriggerLabel;
import dev.distill.service.testing.PrometheusText;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Prometheus series the pipeline's measurements become: names, labels, buckets, as docs/operations.md lists them. */
class MicrometerPipelineMetricsTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MicrometerPipelineMetrics metrics = new MicrometerPipelineMetrics(registry).registerKnownSeries();

    private List<PrometheusText.Sample> scrape() {
        return PrometheusText.parse(registry.scrape());
    }

    @Test
    void knownSeriesExistBeforeAnythingHappens() {
        List<PrometheusText.Sample> samples = scrape();
        assertThat(PrometheusText.value(samples, "distill_stage_runs_total", "stage", "verify", "outcome", "repair")).isZero();
        assertThat(PrometheusText.value(samples, "distill_stage_runs_total", "stage", "analyze", "outcome", "blocked")).isZero();
        assertThat(PrometheusText.value(samples, "distill_migrations_started_total", "trigger", "webhook:harbor")).isZero();
        assertThat(PrometheusText.value(samples, "distill_repair_requests_total")).isZero();
        assertThat(PrometheusText.find(samples, "distill_stage_runs_total")).hasSize(11);
    }

    @Test
    void aVerifiedMigrationBecomesHistogramsWithTheirBuckets() {
        metrics.migrationRequested(TriggerLabel.WEBHOOK_DISTRIBUTION);
        metrics.stageEnded(Stage.VERIFY, StageOutcome.SUCCEEDED, Duration.ofSeconds(13));
        metrics.stageEnded(Stage.BUILD, StageOutcome.FAILED, null);
        metrics.migrationEnded(new PipelineMetrics.MigrationEnding(Outcome.SUCCEEDED, Stage.VERIFY, ReasonClass.NONE,
                TriggerLabel.WEBHOOK_DISTRIBUTION, Duration.ofSeconds(42), 1, 1000, 300));
        metrics.surfaceLeftBehind(SurfaceKind.of("SHELL"), 2);
        metrics.repairRequested(1);

        List<PrometheusText.Sample> samples = scrape();
        assertThat(PrometheusText.value(samples, "distill_migrations_started_total", "trigger", "webhook:distribution")).isEqualTo(1);
        assertThat(PrometheusText.value(samples, "distill_stage_duration_seconds_bucket", "stage", "verify",
                "outcome", "succeeded", "le", "10.0")).isZero();
        assertThat(PrometheusText.value(samples, "distill_stage_duration_seconds_bucket", "stage", "verify",
                "outcome", "succeeded", "le", "20.0")).isEqualTo(1);
        // A run whose start was not seen is counted, but has no duration.
        assertThat(PrometheusText.value(samples, "distill_stage_runs_total", "stage", "build", "outcome", "failed")).isEqualTo(1);
        assertThat(PrometheusText.find(samples, "distill_stage_duration_seconds_count", "stage", "build")).isEmpty();
        assertThat(PrometheusText.value(samples, "distill_migrations_ended_total", "outcome", "SUCCEEDED", "stage", "verify",
                "reason_class", "none", "trigger", "webhook:distribution")).isEqualTo(1);
        assertThat(PrometheusText.value(samples, "distill_migration_duration_seconds_bucket", "outcome", "SUCCEEDED",
                "le", "60.0")).isEqualTo(1);
        assertThat(PrometheusText.value(samples, "distill_migration_repair_rounds_bucket", "outcome", "SUCCEEDED", "le", "0.5"))
                .isZero();
        assertThat(PrometheusText.value(samples, "distill_migration_repair_rounds_bucket", "outcome", "SUCCEEDED", "le", "1.5"))
                .isEqualTo(1);
        assertThat(PrometheusText.value(samples, "distill_migration_source_size_bytes_sum", "outcome", "SUCCEEDED")).isEqualTo(1000);
        assertThat(PrometheusText.value(samples, "distill_migration_result_size_bytes_sum", "outcome", "SUCCEEDED")).isEqualTo(300);
        assertThat(PrometheusText.value(samples, "distill_migration_size_percent_bucket", "outcome", "SUCCEEDED", "le", "20.0"))
                .isZero();
        assertThat(PrometheusText.value(samples, "distill_migration_size_percent_bucket", "outcome", "SUCCEEDED", "le", "30.0"))
                .isEqualTo(1);
        assertThat(PrometheusText.value(samples, "distill_surface_items_removed_total", "kind", "shell")).isEqualTo(2);
        assertThat(PrometheusText.value(samples, "distill_repair_requests_total")).isEqualTo(1);
    }

    @Test
    void aMigrationEndedBeforeVerificationHasNoSizesAndNoRounds() {
        metrics.migrationEnded(new PipelineMetrics.MigrationEnding(Outcome.BLOCKED, Stage.ANALYZE, ReasonClass.BLOCKED,
                TriggerLabel.API, null, 0, 0, 0));
        List<PrometheusText.Sample> samples = scrape();
        assertThat(PrometheusText.value(samples, "distill_migrations_ended_total", "outcome", "BLOCKED", "stage", "analyze",
                "reason_class", "blocked", "trigger", "api")).isEqualTo(1);
        assertThat(PrometheusText.find(samples, "distill_migration_size_percent_count")).isEmpty();
        assertThat(PrometheusText.find(samples, "distill_migration_repair_rounds_count")).isEmpty();
        assertThat(PrometheusText.find(samples, "distill_migration_duration_seconds_count")).isEmpty();
    }

    @Test
    void registryBytesCountBothDirections() {
        RegistryTransferMetrics transfers = new RegistryTransferMetrics(registry);
        transfers.pulled(4096);
        transfers.pushed(100);
        List<PrometheusText.Sample> samples = scrape();
        assertThat(PrometheusText.value(samples, "distill_registry_bytes_total", "direction", "pulled")).isEqualTo(4096);
        assertThat(PrometheusText.value(samples, "distill_registry_bytes_total", "direction", "pushed")).isEqualTo(100);
    }
}
