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
import java.util.Comparator;
import java.util.List;

/**
 * One thing that happened to a migration, as people watch it live: small, with the state it left the migration in.
 * Derived from each event the status view applies, so every instance derives the same ones.
 *
 * <p>The {@code id} is stable across instances and restarts (the event's time in epoch milliseconds, the migration,
 * then what happened), and ids sort by {@link #ORDER}: a client that reconnects with the last id it saw gets what
 * came after, from any instance.
 *
 * @param kind {@code requested}, {@code stage-started}, {@code resolved}, {@code report-stored}, {@code progress},
 *     {@code stage-ended}, {@code built} (a repair round's build), {@code repair-requested}, {@code verdict} or
 *     {@code cancelled}
 * @param state the migration's state once this was applied
 * @param round the repair round (0 for the first build and its verification) where it matters, else null
 * @param outcome how a stage or the migration ended, for {@code stage-ended} and {@code verdict}
 * @param reasons why it ended so, for {@code stage-ended}, {@code verdict} and {@code cancelled}
 * @param by who asked, for {@code requested} (null for registry pushes) and {@code cancelled}
 * @param step and {@code counters}: for {@code progress}, what the stage is doing and how far it is
 * @param detail one line for people, e.g. {@code 3 layers, 34.2 MB}
 */
public record MigrationUpdate(String id, String migrationId, Instant at, String kind, MigrationState state, Stage stage,
        Integer round, Outcome outcome, List<String> reasons, String by, String step, List<StageProgress.Counter> counters,
        String detail) {

    /** Time first, then the id: the order updates are replayed in. */
    public static final Comparator<MigrationUpdate> ORDER = Comparator.comparing(MigrationUpdate::at)
            .thenComparing(MigrationUpdate::id);

    public MigrationUpdate {
        reasons = reasons == null ? null : List.copyOf(reasons);
        counters = counters == null ? null : List.copyOf(counters);
    }

    public boolean isFinal() {
        return state.isFinal();
    }

    public boolean isProgress() {
        return "progress".equals(kind);
    }

    /** What {@code event} tells people, now that it left the migration as {@code after}. */
    public static MigrationUpdate of(MigrationEvent event, MigrationView after) {
        Builder b = new Builder(event, after);
        if (event instanceof MigrationRequested r) {
            return b.kind("requested").by(r.requestedBy())
                    .detail(r.image() + " (" + r.trigger() + (r.attempt() > 1 ? ", attempt " + r.attempt() + " of " + r.attemptOf() : "")
                            + ")").build();
        } else if (event instanceof StageStarted s) {
            return b.kind("stage-started").stage(s.stage()).detail(s.instance()).build();
        } else if (event instanceof ImageResolved r) {
            long bytes = r.layers().stream().mapToLong(ImageResolved.Layer::size).sum();
            return b.kind("resolved").stage(Stage.ANALYZE)
                    .detail(r.layers().size() + " layers, " + bytes + " bytes compressed, " + r.platform()).build();
        } else if (event instanceof ReportStored r) {
            return b.kind("report-stored").stage(r.stage()).detail(r.classification()).build();
        } else if (event instanceof StageProgress p) {
            return b.kind("progress").stage(p.stage()).round(p.round()).step(p.step(), p.counters()).build();
        } else if (event instanceof ImageAnalyzed a) {
            return b.kind("stage-ended").stage(Stage.ANALYZE).outcome(Outcome.SUCCEEDED)
                    .detail(String.join(", ", a.programs())).build();
        } else if (event instanceof ImageBuilt built) {
            String images = built.images().size() + (built.images().size() == 1 ? " image" : " images");
            return built.round() == 0
                    ? b.kind("stage-ended").stage(Stage.BUILD).round(0).outcome(Outcome.SUCCEEDED).detail(images).build()
                    : b.kind("built").stage(Stage.VERIFY).round(built.round()).detail(images).build();
        } else if (event instanceof RepairRequested r) {
            return b.kind("repair-requested").stage(Stage.VERIFY).round(r.round())
                    .detail(r.files().size() + (r.files().size() == 1 ? " file" : " files") + " to add").build();
        } else if (event instanceof MigrationVerified m) {
            return b.kind("verdict").stage(Stage.VERIFY).round(m.repairRounds()).outcome(m.verdict()).reasons(m.reasons())
                    .detail(m.sourceSize() + " -> " + m.resultSize() + " bytes").build();
        } else if (event instanceof StageFailed f) {
            return b.kind("stage-ended").stage(f.stage()).outcome(f.outcome()).reasons(List.of(f.reason())).build();
        } else if (event instanceof MigrationCancelled c) {
            return b.kind("cancelled").by(c.by()).reasons(c.reason() == null ? List.of() : List.of(c.reason())).build();
        }
        throw new IllegalArgumentException("no update for " + event.getClass().getSimpleName());
    }

    /** The millisecond an id was made in, or -1 when the text is not such an id. */
    static long millisOf(String id) {
        if (id == null) {
            return -1;
        }
        int dash = id.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** True when this came after the update that had {@code lastId} (which need not be known here). */
    boolean after(long lastMillis, String lastId) {
        long millis = at.toEpochMilli();
        return millis != lastMillis ? millis > lastMillis : id.compareTo(lastId) > 0;
    }

    private static final class Builder {
        private final MigrationEvent event;
        private final MigrationView after;
        private String kind;
        private Stage stage;
        private Integer round;
        private Outcome outcome;
        private List<String> reasons;
        private String by;
        private String step;
        private List<StageProgress.Counter> counters;
        private String detail;

        Builder(MigrationEvent event, MigrationView after) {
            this.event = event;
            this.after = after;
        }

        Builder kind(String k) { kind = k; return this; }
        Builder stage(Stage s) { stage = s; return this; }
        Builder round(int r) { round = r; return this; }
        Builder outcome(Outcome o) { outcome = o; return this; }
        Builder reasons(List<String> r) { reasons = r; return this; }
        Builder by(String b) { by = b; return this; }
        Builder detail(String d) { detail = d; return this; }

        Builder step(String s, List<StageProgress.Counter> c) {
            step = s;
            counters = c;
            return this;
        }

        MigrationUpdate build() {
            StringBuilder id = new StringBuilder().append(event.occurredAt().toEpochMilli()).append('-')
                    .append(event.migrationId()).append('-').append(kind);
            if (stage != null) {
                id.append('-').append(stage.label());
            }
            if (round != null) {
                id.append("-r").append(round);
            }
            if (step != null) {
                id.append('-').append(step);
            }
            return new MigrationUpdate(id.toString(), event.migrationId(), event.occurredAt(), kind, after.state(), stage,
                    round, outcome, reasons, by, step, counters, detail);
        }
    }
}
