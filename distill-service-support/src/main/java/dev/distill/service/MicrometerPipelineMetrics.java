package dev.distill.service;

import dev.distill.events.Stage;
import dev.distill.pipeline.metrics.PipelineMetrics;
import dev.distill.pipeline.metrics.StageOutcome;
import dev.distill.pipeline.metrics.SurfaceKind;
import dev.distill.pipeline.metrics.TriggerLabel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's measurements as Micrometer meters, published by Prometheus at {@code /q/metrics}. Histograms have
 * fixed buckets chosen for what a migration takes (seconds to tens of minutes), so each has a dozen series per label
 * set; every label value comes from a bounded set. docs/operations.md lists each metric with its meaning and unit.
 */
public final class MicrometerPipelineMetrics implements PipelineMetrics {

    /** Bucket bounds of stage durations: a quick analysis to a slow verification with repair rounds. */
    static final Duration[] STAGE_BUCKETS = seconds(0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800);
    /** Bucket bounds of request-to-end times: the sum of stages plus the time spent waiting in Kafka. */
    static final Duration[] MIGRATION_BUCKETS = seconds(1, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600);
    /**
     * Result size as a percentage of the source size: below 100 the result is smaller. A percentage, not a ratio,
     * because Micrometer counts a distribution summary's buckets in whole units.
     */
    static final double[] PERCENT_BUCKETS = {5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 150, 200, 500};
    /** Repair rounds are whole numbers: bounds halfway between them give one bucket per count (le="0.5" is none). */
    static final double[] ROUND_BUCKETS = {0.5, 1.5, 2.5, 3.5, 5.5};

    /** The outcomes a stage can have, for series that exist before the first migration (rates start at zero). */
    static final Map<Stage, List<StageOutcome>> STAGE_OUTCOMES = Map.of(
            Stage.ANALYZE, List.of(StageOutcome.SUCCEEDED, StageOutcome.BLOCKED, StageOutcome.FAILED),
            Stage.BUILD, List.of(StageOutcome.SUCCEEDED, StageOutcome.BLOCKED, StageOutcome.FAILED),
            Stage.VERIFY, List.of(StageOutcome.SUCCEEDED, StageOutcome.NEEDS_REVIEW, StageOutcome.REPAIR,
                    StageOutcome.BLOCKED, StageOutcome.FAILED));

    private final MeterRegistry registry;

    public MicrometerPipelineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers the counters whose label values are known up front, so their rates start from zero. */
    public MicrometerPipelineMetrics registerKnownSeries() {
        STAGE_OUTCOMES.forEach((stage, outcomes) -> outcomes.forEach(o -> stageRuns(stage, o)));
        List.of(TriggerLabel.API, TriggerLabel.WEBHOOK_DISTRIBUTION, TriggerLabel.WEBHOOK_HARBOR).forEach(this::requests);
        repairRequests();
        return this;
    }

    @Override
    public void migrationRequested(TriggerLabel trigger) {
        requests(trigger).increment();
    }

    @Override
    public void stageEnded(Stage stage, StageOutcome outcome, Duration took) {
        stageRuns(stage, outcome).increment();
        if (took != null) {
            Timer.builder("distill.stage.duration")
                    .description("How long one run of a stage took, from its StageStarted to the event that ended it")
                    .tags("stage", stage.label(), "outcome", outcome.label())
                    .serviceLevelObjectives(STAGE_BUCKETS)
                    .register(registry)
                    .record(took);
        }
    }

    @Override
    public void migrationEnded(MigrationEnding ending) {
        String outcome = ending.outcome().name();
        Counter.builder("distill.migrations.ended")
                .description("Migrations that reached a final state, by outcome, the stage that ended them, the class of"
                        + " their first reason and what started them")
                .tags("outcome", outcome, "stage", ending.stage().label(), "reason_class", ending.reasonClass().label(),
                        "trigger", ending.trigger().value())
                .register(registry)
                .increment();
        if (ending.sinceRequest() != null) {
            Timer.builder("distill.migration.duration")
                    .description("From the request (API call or registry push notification) to the final state")
                    .tags("outcome", outcome, "trigger", ending.trigger().value())
                    .serviceLevelObjectives(MIGRATION_BUCKETS)
                    .register(registry)
                    .record(ending.sinceRequest());
        }
        if (ending.stage() == Stage.VERIFY) {
            DistributionSummary.builder("distill.migration.repair.rounds")
                    .description("Repair rounds a verified migration needed")
                    .tags("outcome", outcome)
                    .serviceLevelObjectives(ROUND_BUCKETS)
                    .register(registry)
                    .record(ending.repairRounds());
        }
        if (ending.sized()) {
            DistributionSummary.builder("distill.migration.source.size")
                    .description("Uncompressed size of a verified migration's source image")
                    .baseUnit("bytes")
                    .tags("outcome", outcome)
                    .register(registry)
                    .record(ending.sourceBytes());
            DistributionSummary.builder("distill.migration.result.size")
                    .description("Uncompressed size of a verified migration's result images, each with its base")
                    .baseUnit("bytes")
                    .tags("outcome", outcome)
                    .register(registry)
                    .record(ending.resultBytes());
            DistributionSummary.builder("distill.migration.size.percent")
                    .description("Result size as a percentage of the source size of a verified migration (below 100: smaller)")
                    .tags("outcome", outcome)
                    .serviceLevelObjectives(PERCENT_BUCKETS)
                    .register(registry)
                    .record(100.0 * ending.resultBytes() / ending.sourceBytes());
        }
    }

    @Override
    public void repairRequested(int round) {
        repairRequests().increment();
    }

    @Override
    public void surfaceLeftBehind(SurfaceKind kind, int items) {
        Counter.builder("distill.surface.items.removed")
                .description("Attack-surface items (shells, package managers, setuid files ...) the source had and the"
                        + " first build of its migration does not carry")
                .tags("kind", kind.value())
                .register(registry)
                .increment(items);
    }

    private Counter stageRuns(Stage stage, StageOutcome outcome) {
        return Counter.builder("distill.stage.runs")
                .description("Runs of a stage by outcome (repair: the verification asked for another build)")
                .tags("stage", stage.label(), "outcome", outcome.label())
                .register(registry);
    }

    private Counter requests(TriggerLabel trigger) {
        return Counter.builder("distill.migrations.started")
                .description("Migrations requested, by what started them")
                .tags("trigger", trigger.value())
                .register(registry);
    }

    private Counter repairRequests() {
        return Counter.builder("distill.repair.requests")
                .description("Repair rounds the verifier asked the builder for")
                .register(registry);
    }

    private static Duration[] seconds(double... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofMillis(Math.round(values[i] * 1000));
        }
        return out;
    }
}
