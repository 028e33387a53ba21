package dev.distill.analyzer.api;

import dev.distill.events.ImageBuilt;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.pipeline.status.MigrationView;
import dev.distill.pipeline.status.StageRecord;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The status API's JSON form of a migration: stages as an ordered list, links to related resources. */
public record MigrationDocument(
        String id,
        String state,
        MigrationView.Source source,
        List<StageDocument> stages,
        MigrationView.Resolved resolved,
        Map<String, MigrationView.Report> reports,
        List<ImageBuilt.BuiltImage> results,
        Outcome verdict,
        List<String> reasons,
        MigrationView.Result result,
        Instant requestedAt,
        Instant updatedAt,
        String self) {

    /** One stage: when it started and ended and how, and which instance took it up (last). */
    public record StageDocument(String stage, Instant startedAt, Instant endedAt, Outcome outcome, String reason,
            String startedBy) {
    }

    static MigrationDocument of(MigrationView v) {
        List<StageDocument> stages = v.allStages().entrySet().stream()
                .map(e -> stage(e.getKey(), e.getValue()))
                .toList();
        Map<String, MigrationView.Report> reports = new java.util.TreeMap<>();
        v.reports().forEach((stage, r) -> reports.put(stage.label(), r));
        return new MigrationDocument(v.id(), v.state().name(), v.source(), stages, v.resolved(), reports, v.results(),
                v.verdict(), v.reasons(), v.outcome(), v.requestedAt(), v.updatedAt(), MigrationResource.location(v.id()).toString());
    }

    private static StageDocument stage(Stage stage, StageRecord r) {
        return new StageDocument(stage.label(), r.startedAt(), r.endedAt(), r.outcome(), r.reason(), r.startedBy());
    }
}
