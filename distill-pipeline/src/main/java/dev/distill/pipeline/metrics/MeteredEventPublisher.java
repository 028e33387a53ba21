package dev.distill.pipeline.metrics;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationRequested;
import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.RepairRequested;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.status.MigrationStatus;
import dev.distill.pipeline.status.MigrationView;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes through another publisher, then measures what the event says happened. Measuring what an instance
 * publishes counts each fact once across all instances: the instance that ran a stage publishes its start and its
 * end, the verifier publishes the verdict, the intake the request. A redelivered input that the stage skips
 * publishes nothing and so counts nothing. An event that could not be published is not measured, and a measurement
 * that fails is logged, never thrown: the event is out, so the stage must not look failed.
 *
 * <p>Stage durations run from the {@code StageStarted} this instance published to the event that ended the stage;
 * the time from the request to the end comes from the status view's record of the request.
 */
public final class MeteredEventPublisher implements EventPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(MeteredEventPublisher.class);

    /** Stage starts kept at most; a start whose end never comes (the process was killed) is dropped beyond this. */
    static final int MAX_OPEN_STAGES = 10_000;

    private final EventPublisher delegate;
    private final MigrationStatus status;
    private final PipelineMetrics metrics;
    private final Map<OpenStage, Instant> started = new ConcurrentHashMap<>();

    /**
     * @param status the status view, for the request's time and trigger when a migration ends
     */
    public MeteredEventPublisher(EventPublisher delegate, MigrationStatus status, PipelineMetrics metrics) {
        if (delegate == null || status == null || metrics == null) {
            throw new IllegalArgumentException("a metered publisher needs a publisher, a status view and metrics, got "
                    + delegate + ", " + status + ", " + metrics);
        }
        this.delegate = delegate;
        this.status = status;
        this.metrics = metrics;
    }

    @Override
    public void publish(MigrationEvent event) {
        delegate.publish(event);
        try {
            measure(event);
        } catch (RuntimeException e) {
            // The event is published: a measurement that fails must not make the stage look failed.
            LOG.warn("could not measure {} of {}: {}", event.type(), event.migrationId(), e.toString());
        }
    }

    private void measure(MigrationEvent event) {
        // Java 17: no pattern matching for switch yet.
        if (event instanceof MigrationRequested r) {
            metrics.migrationRequested(TriggerLabel.of(r.trigger()));
        } else if (event instanceof StageStarted s) {
            opened(s);
        } else if (event instanceof ImageAnalyzed a) {
            stageEnded(a.migrationId(), Stage.ANALYZE, StageOutcome.SUCCEEDED, a.occurredAt());
        } else if (event instanceof ImageBuilt b) {
            stageEnded(b.migrationId(), Stage.BUILD, StageOutcome.SUCCEEDED, b.occurredAt());
            if (b.round() == 0) {
                // Repair rounds rebuild the same migration: its surface counts once.
                Map<SurfaceKind, Integer> kinds = new TreeMap<>(Comparator.comparing(SurfaceKind::value));
                b.leftBehind().items().forEach(i -> kinds.merge(SurfaceKind.of(i.kind()), 1, Integer::sum));
                kinds.forEach(metrics::surfaceLeftBehind);
            }
        } else if (event instanceof RepairRequested r) {
            stageEnded(r.migrationId(), Stage.VERIFY, StageOutcome.REPAIR, r.occurredAt());
            metrics.repairRequested(r.round());
        } else if (event instanceof MigrationVerified v) {
            stageEnded(v.migrationId(), Stage.VERIFY, StageOutcome.of(v.verdict()), v.occurredAt());
            ended(v.migrationId(), v.verdict(), Stage.VERIFY, ReasonClass.of(v), v.occurredAt(), v.repairRounds(),
                    v.sourceSize(), v.resultSize());
        } else if (event instanceof StageFailed f) {
            stageEnded(f.migrationId(), f.stage(), StageOutcome.of(f.outcome()), f.occurredAt());
            ended(f.migrationId(), f.outcome(), f.stage(), ReasonClass.of(f), f.occurredAt(), 0, 0, 0);
        }
    }

    private void opened(StageStarted s) {
        if (started.size() >= MAX_OPEN_STAGES) {
            // Only starts whose process died before the end pile up; the oldest of them go first.
            started.entrySet().stream().min(Map.Entry.comparingByValue())
                    .ifPresent(oldest -> started.remove(oldest.getKey(), oldest.getValue()));
        }
        started.put(new OpenStage(s.migrationId(), s.stage()), s.occurredAt());
    }

    private void stageEnded(String migrationId, Stage stage, StageOutcome outcome, Instant at) {
        Instant start = started.remove(new OpenStage(migrationId, stage));
        metrics.stageEnded(stage, outcome, start == null ? null : nonNegative(Duration.between(start, at)));
    }

    private void ended(String migrationId, Outcome outcome, Stage stage, ReasonClass reason, Instant at, int repairRounds,
            long sourceBytes, long resultBytes) {
        Optional<MigrationView> view = status.find(migrationId);
        TriggerLabel trigger = view.map(v -> v.source() == null ? null : v.source().trigger())
                .map(TriggerLabel::of).orElse(TriggerLabel.UNKNOWN);
        Duration sinceRequest = view.map(MigrationView::requestedAt).map(r -> nonNegative(Duration.between(r, at)))
                .orElse(null);
        metrics.migrationEnded(new PipelineMetrics.MigrationEnding(outcome, stage, reason, trigger, sinceRequest,
                Math.max(0, repairRounds), Math.max(0, sourceBytes), Math.max(0, resultBytes)));
    }

    /** Clocks of different hosts may disagree by a little: a negative duration is measured as zero. */
    private static Duration nonNegative(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** How many stage starts wait for their end (for tests). */
    int openStages() {
        return started.size();
    }

    private record OpenStage(String migrationId, Stage stage) {
    }
}
