package dev.distill.pipeline.status;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageBuilt;
import dev.distill.events.ImageResolved;
import dev.distill.events.MigrationCancelled;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationRequested;
import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.RepairRequested;
import dev.distill.events.ReportStored;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageProgress;
import dev.distill.events.StageStarted;
import java.time.Instant;
import java.util.ArrayList;
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
        Map<Stage, StageProgress> progress = new EnumMap<>(Stage.class);
        progress.putAll(v.progress());
        MigrationView.Cancellation cancellation = v.cancellation();
        List<Claim> claims = v.claims();
        Instant at = event.occurredAt();

        // Java 17: no pattern matching for switch yet, so a chain of instanceof over the sealed hierarchy.
        if (event instanceof MigrationRequested r) {
            if (source == null) {
                source = new MigrationView.Source(r.image(), r.registry(), r.repository(), r.tag(), r.digest(),
                        r.options(), r.trigger(), r.attemptOf(), r.attempt(), r.requestedBy());
                requestedAt = r.occurredAt();
            }
        } else if (event instanceof StageStarted s) {
            stages.put(s.stage(), v.stage(s.stage()).start(at, s.instance()));
            Claim claim = s.work() == null || s.instance() == null ? null
                    : new Claim(s.stage(), s.work(), s.instance(), at, s.deadline());
            // A migration's starts share one partition of the progress topic, so appending keeps the order they were
            // made in; a claim read again (a replay, a duplicate) is not added twice.
            if (claim != null && !claims.contains(claim)) {
                List<Claim> more = new ArrayList<>(claims);
                more.add(claim);
                claims = more.size() > MigrationView.MAX_CLAIMS
                        ? more.subList(more.size() - MigrationView.MAX_CLAIMS, more.size()) : more;
            }
        } else if (event instanceof ImageResolved r) {
            if (resolved == null) {
                resolved = new MigrationView.Resolved(r.digest(), r.manifestDigest(), r.manifestMediaType(),
                        r.platform(), r.config(), r.layers());
            }
        } else if (event instanceof StageProgress p) {
            progress.merge(p.stage(), p, MigrationProjection::later);
        } else if (event instanceof MigrationCancelled c) {
            // The earliest cancellation is the one that counts, whatever order they are read in.
            if (cancellation == null || c.occurredAt().isBefore(cancellation.at())) {
                cancellation = new MigrationView.Cancellation(c.by(), c.occurredAt(), c.reason());
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
                reasons, requestedAt, updatedAt, buildRound, repairRound, outcome, progress, cancellation, claims);
        return withState(next, deriveState(next));
    }

    /** The newer of two progress reports; equal times are ordered by event id, so reading order never matters. */
    private static StageProgress later(StageProgress a, StageProgress b) {
        int byTime = a.occurredAt().compareTo(b.occurredAt());
        if (byTime != 0) {
            return byTime > 0 ? a : b;
        }
        return a.eventId().compareTo(b.eventId()) >= 0 ? a : b;
    }

    /**
     * The state follows from the facts: a final outcome if any stage ended unsuccessfully, else progress. A
     * cancellation ends the migration CANCELLED unless it had already ended otherwise before the cancellation
     * happened (then that ending stands: the work was done).
     */
    static MigrationState deriveState(MigrationView v) {
        if (v.cancellation() != null) {
            Instant ended = endedAt(v);
            if (ended == null || v.cancellation().at().isBefore(ended)) {
                return MigrationState.CANCELLED;
            }
        }
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

    /** When the migration first ended by a verdict or a failed stage; null while it has not. */
    private static Instant endedAt(MigrationView v) {
        Instant first = null;
        for (Stage s : Stage.values()) {
            StageRecord r = v.stage(s);
            boolean ending = r.outcome() == Outcome.FAILED || r.outcome() == Outcome.BLOCKED
                    || (s == Stage.VERIFY && v.verdict() != null && r.ended());
            if (ending && (first == null || r.endedAt().isBefore(first))) {
                first = r.endedAt();
            }
        }
        return first;
    }

    private static MigrationView empty(String id, Instant at) {
        return new MigrationView(id, MigrationState.REQUESTED, null, Map.of(), null, Map.of(), List.of(), null, List.of(),
                null, at, 0, 0, null, Map.of(), null, List.of());
    }

    private static MigrationView withState(MigrationView v, MigrationState state) {
        return new MigrationView(v.id(), state, v.source(), v.stages(), v.resolved(), v.reports(), v.results(),
                v.verdict(), v.reasons(), v.requestedAt(), v.updatedAt(), v.buildRound(), v.repairRound(), v.outcome(),
                v.progress(), v.cancellation(), v.claims());
    }
}
