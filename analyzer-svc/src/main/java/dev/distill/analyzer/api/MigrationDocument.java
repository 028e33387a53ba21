package dev.distill.analyzer.api;

import dev.distill.events.ImageBuilt;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageProgress;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationView;
import dev.distill.pipeline.status.StageRecord;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The status API's JSON form of a migration: stages as an ordered list, the latest progress of each stage, who
 * cancelled it, its attempts, and links to related resources.
 *
 * @param attempts every run of the same image, first one first (only on {@code GET /api/migrations/{id}}; null in
 *     lists)
 */
public record MigrationDocument(
        String id,
        String state,
        MigrationView.Source source,
        List<StageDocument> stages,
        Map<String, ProgressDocument> progress,
        MigrationView.Resolved resolved,
        Map<String, MigrationView.Report> reports,
        List<ImageBuilt.BuiltImage> results,
        Outcome verdict,
        List<String> reasons,
        MigrationView.Result result,
        MigrationView.Cancellation cancelled,
        List<AttemptDocument> attempts,
        Instant requestedAt,
        Instant updatedAt,
        String self,
        String events) {

    /**
     * One stage: when it started and ended and how, and which instance took it up (last). A stage a cancellation
     * interrupted ends CANCELLED.
     */
    public record StageDocument(String stage, Instant startedAt, Instant endedAt, Outcome outcome, String reason,
            String startedBy) {
    }

    /** How far a stage got, as its last progress report said. */
    public record ProgressDocument(String step, int round, List<StageProgress.Counter> counters, Instant at) {
    }

    /** One run of an image: the first, or a re-run. */
    public record AttemptDocument(int attempt, String id, String state, Instant requestedAt, String self) {
    }

    static MigrationDocument of(MigrationView v) {
        return of(v, null);
    }

    static MigrationDocument of(MigrationView v, List<MigrationView> attempts) {
        List<StageDocument> stages = v.allStages().entrySet().stream()
                .map(e -> stage(v, e.getKey(), e.getValue()))
                .toList();
        Map<String, MigrationView.Report> reports = new TreeMap<>();
        v.reports().forEach((stage, r) -> reports.put(stage.label(), r));
        Map<String, ProgressDocument> progress = new TreeMap<>();
        v.progress().forEach((stage, p) -> progress.put(stage.label(),
                new ProgressDocument(p.step(), p.round(), p.counters(), p.occurredAt())));
        List<String> reasons = v.reasons();
        if (v.state() == MigrationState.CANCELLED) {
            MigrationView.Cancellation c = v.cancellation();
            reasons = List.of("cancelled by " + c.by() + " at " + c.at() + (c.reason() == null ? "" : ": " + c.reason()));
        }
        List<AttemptDocument> attemptList = attempts == null ? null : attempts.stream()
                .sorted(Comparator.comparingInt((MigrationView a) -> a.source().attempt()))
                .map(a -> new AttemptDocument(a.source().attempt(), a.id(), a.state().name(), a.requestedAt(),
                        MigrationResource.location(a.id()).toString()))
                .toList();
        String self = MigrationResource.location(v.id()).toString();
        return new MigrationDocument(v.id(), v.state().name(), v.source(), stages, progress, v.resolved(), reports,
                v.results(), v.verdict(), reasons, v.outcome(), v.cancellation(), attemptList, v.requestedAt(), v.updatedAt(),
                self, self + "/events");
    }

    private static StageDocument stage(MigrationView v, Stage stage, StageRecord r) {
        // A stage the cancellation stopped: still running, or ended by the abort that followed the cancellation.
        if (v.state() == MigrationState.CANCELLED && r.started()
                && (!r.ended() || !r.endedAt().isBefore(v.cancellation().at()))) {
            return new StageDocument(stage.label(), r.startedAt(), v.cancellation().at(), Outcome.CANCELLED,
                    "cancelled by " + v.cancellation().by(), r.startedBy());
        }
        return new StageDocument(stage.label(), r.startedAt(), r.endedAt(), r.outcome(), r.reason(), r.startedBy());
    }
}
