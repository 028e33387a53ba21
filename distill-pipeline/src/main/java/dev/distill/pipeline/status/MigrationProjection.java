package dev.distill.pipeline.status;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageBuilt;
import dev.distill.events.ImageResolved;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationRequested;
import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.RepairRequested;
import dev.distill.events.ReportStored;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Folds events into a {@link MigrationView}.
 *
 * <p>Events of one migration travel on several topics, so they can be read in another order than they were
 * written. The fold is therefore order-insensitive: each event sets its own facts (first writer wins for
 * each fact, so duplicates change nothing), and the state is derived from the facts, never stored.
 */
public final class MigrationProjection {

    private MigrationProjection() {
    }

    public static MigrationView apply(MigrationView current, MigrationEvent event) {
        MigrationView v = current != null ? current : empty(event.migrationId(), event.occurredAt());
        Map<Stage, StageRecord> stages = new EnumMap<>(Stage.class);
        stages.putAll(v.stages());
        MigrationView.Source source = v.source();
        MigrationView.Resolved resolved = v.resolved();
        Map<Stage, MigrationView.Report> reports = new EnumMap<>(Stage.class);
        reports.putAll(v.reports());
        List<ImageBuilt.BuiltImage> results = v.results();
        Outcome verdict = v.verdict();
        List<String> reasons = v.reasons();
        Instant requestedAt = v.requestedAt();
        int buildRound = v.buildRound();
        int repairRound = v.repairRound();
        MigrationView.Result outcome = v.outcome();
        Instant at = event.occurredAt();

        // Java 17: no pattern matching for switch yet, so a chain of instanceof over the sealed hierarchy.
        if (event instanceof MigrationRequested r) {
            if (source == null) {
                source = new MigrationView.Source(r.image(), r.registry(), r.repository(), r.tag(), r.digest(),
                        r.options(), r.trigger());
                requestedAt = r.occurredAt();
            }
        } else if (event instanceof StageStarted s) {
            stages.put(s.stage(), v.stage(s.stage()).start(at));
        } else if (event instanceof ImageResolved r) {
            if (resolved == null) {
                resolved = new MigrationView.Resolved(r.digest(), r.manifestDigest(), r.manifestMediaType(),
                        r.platform(), r.config(), r.layers());
            }
        } else if (event instanceof ReportStored r) {
            reports.putIfAbsent(r.stage(), new MigrationView.Report(r.location(), r.digest(), r.classification()));
        } else if (event instanceof ImageAnalyzed) {
            stages.put(Stage.ANALYZE, v.stage(Stage.ANALYZE).end(at, Outcome.SUCCEEDED, null));
        } else if (event instanceof ImageBuilt b) {
            stages.put(Stage.BUILD, v.stage(Stage.BUILD).end(at, Outcome.SUCCEEDED, null));
            // A repair build replaces the results of the round before; a redelivered older round changes nothing.
            if (results.isEmpty() || b.round() > buildRound) {
                results = b.images();
                buildRound = b.round();
                if (b.round() > 0 && b.reportLocation() != null) {
                    reports.put(Stage.BUILD, new MigrationView.Report(b.reportLocation(), b.reportDigest(), "REPAIRED"));
                }
            }
        } else if (event instanceof RepairRequested r) {
            repairRound = Math.max(repairRound, r.round());
        } else if (event instanceof MigrationVerified m) {
            stages.put(Stage.VERIFY, v.stage(Stage.VERIFY).end(at, m.verdict(), null));
            if (verdict == null) {
                verdict = m.verdict();
                reasons = m.reasons();
                outcome = new MigrationView.Result(m.sourceSize(), m.resultSize(), m.surfaceRemoved(), m.evidence(),
                        m.repairRounds(), m.packageSurface());
                if (m.reportLocation() != null) {
                    // The verdict's report covers every repair round; it replaces a report of an earlier round.
                    reports.put(Stage.VERIFY, new MigrationView.Report(m.reportLocation(), m.reportDigest(), m.verdict().name()));
                }
            }
        } else if (event instanceof StageFailed f) {
            StageRecord before = v.stage(f.stage());
            stages.put(f.stage(), before.end(at, f.outcome(), f.reason()));
            if (!before.ended() && reasons.isEmpty()) {
                reasons = List.of(f.stage().label() + ": " + f.reason());
            }
        }
        Instant updatedAt = v.updatedAt() == null || at.isAfter(v.updatedAt()) ? at : v.updatedAt();
        MigrationView next = new MigrationView(v.id(), null, source, stages, resolved, reports, results, verdict,
                reasons, requestedAt, updatedAt, buildRound, repairRound, outcome);
        return withState(next, deriveState(next));
    }

    /** The state follows from the facts: a final outcome if any stage ended unsuccessfully, else progress. */
    static MigrationState deriveState(MigrationView v) {
        if (v.verdict() != null) {
            return MigrationState.valueOf(v.verdict().name());
        }
        for (Stage s : Stage.values()) {
            Outcome o = v.stage(s).outcome();
            if (o == Outcome.FAILED || o == Outcome.BLOCKED) {
                return MigrationState.valueOf(o.name());
            }
        }
        StageRecord analyze = v.stage(Stage.ANALYZE);
        StageRecord build = v.stage(Stage.BUILD);
        StageRecord verify = v.stage(Stage.VERIFY);
        if (verify.started()) {
            return MigrationState.VERIFYING;
        }
        if (build.ended()) {
            return MigrationState.BUILT;
        }
        if (build.started()) {
            return MigrationState.BUILDING;
        }
        if (analyze.ended()) {
            return MigrationState.ANALYZED;
        }
        if (analyze.started()) {
            return MigrationState.ANALYZING;
        }
        return MigrationState.REQUESTED;
    }

    private static MigrationView empty(String id, Instant at) {
        return new MigrationView(id, MigrationState.REQUESTED, null, Map.of(), null, Map.of(), List.of(), null, List.of(),
                null, at, 0, 0, null);
    }

    private static MigrationView withState(MigrationView v, MigrationState state) {
        return new MigrationView(v.id(), state, v.source(), v.stages(), v.resolved(), v.reports(), v.results(),
                v.verdict(), v.reasons(), v.requestedAt(), v.updatedAt(), v.buildRound(), v.repairRound(), v.outcome());
    }
}
