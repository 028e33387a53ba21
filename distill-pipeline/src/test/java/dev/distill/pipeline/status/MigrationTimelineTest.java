package dev.distill.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.MigrationCancelled;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Stage;
import dev.distill.events.StageProgress;
import dev.distill.events.StageStarted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MigrationTimelineTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private final MigrationTimeline timeline = new MigrationTimeline();
    private final java.util.Map<String, MigrationView> views = new java.util.HashMap<>();

    private MigrationUpdate apply(MigrationEvent e) {
        MigrationView after = views.compute(e.migrationId(), (id, v) -> MigrationProjection.apply(v, e));
        MigrationUpdate u = MigrationUpdate.of(e, after);
        timeline.record(u);
        return u;
    }

    private static MigrationRequested requested(String id) {
        return new MigrationRequested(id, T0, "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000", "demo/app", "1", null,
                MigrationOptions.DEFAULT, "api");
    }

    private static StageProgress layers(String id, int second, int done) {
        return new StageProgress(id, T0.plusSeconds(second), Stage.ANALYZE, 0, "read-layers",
                List.of(new StageProgress.Counter("layers", done, 3)));
    }

    @Test
    void aClientThatReconnectsWithTheLastIdItSawGetsWhatCameAfter() {
        apply(requested("m-1"));
        MigrationUpdate started = apply(new StageStarted("m-1", T0.plusSeconds(1), Stage.ANALYZE, "a"));
        apply(layers("m-1", 2, 1));
        apply(new ImageAnalyzed("m-1", T0.plusSeconds(3), "/r", null, List.of("app")));

        assertThat(timeline.history("m-1")).extracting(MigrationUpdate::kind)
                .containsExactly("requested", "stage-started", "progress", "stage-ended");
        assertThat(timeline.since("m-1", started.id())).extracting(MigrationUpdate::kind)
                .containsExactly("progress", "stage-ended");
        assertThat(timeline.since("m-1", "not-an-id")).hasSize(4);
        assertThat(timeline.since("m-1", null)).hasSize(4);
        // An id this instance never saw (another instance's, or dropped) still places the client in time.
        assertThat(timeline.since("m-1", T0.plusSeconds(2).toEpochMilli() + "-zzz")).extracting(MigrationUpdate::kind)
                .containsExactly("stage-ended");
        assertThat(started.id()).isEqualTo(T0.plusSeconds(1).toEpochMilli() + "-m-1-stage-started-analyze");
        assertThat(started.state()).isEqualTo(MigrationState.ANALYZING);
    }

    @Test
    void onlyTheLatestProgressOfAStepStaysAndARedeliveryReplacesItself() {
        apply(requested("m-2"));
        apply(layers("m-2", 1, 1));
        apply(layers("m-2", 3, 3));
        apply(layers("m-2", 2, 2)); // read late: older than what is kept
        apply(layers("m-2", 3, 3)); // redelivered
        List<MigrationUpdate> progress = timeline.history("m-2").stream().filter(MigrationUpdate::isProgress).toList();
        assertThat(progress).hasSize(1);
        assertThat(progress.get(0).counters()).containsExactly(new StageProgress.Counter("layers", 3, 3));
    }

    @Test
    void listenersHearEveryUpdateUntilTheyStop() {
        List<MigrationUpdate> heard = new ArrayList<>();
        MigrationTimeline.Subscription s = timeline.subscribe(heard::add);
        timeline.subscribe(u -> {
            throw new IllegalStateException("a broken client");
        });
        apply(requested("m-3"));
        MigrationUpdate cancelled = apply(new MigrationCancelled("m-3", T0.plusSeconds(1), "operator", "wrong image"));
        s.close();
        apply(requested("m-4"));
        assertThat(heard).extracting(MigrationUpdate::kind).containsExactly("requested", "cancelled");
        assertThat(cancelled.isFinal()).isTrue();
        assertThat(cancelled.by()).isEqualTo("operator");
        assertThat(cancelled.reasons()).containsExactly("wrong image");
        assertThat(timeline.allSince(null, u -> true, 10)).extracting(MigrationUpdate::migrationId)
                .containsExactly("m-3", "m-4", "m-3");
        assertThat(timeline.allSince(null, u -> true, 1)).extracting(MigrationUpdate::kind).containsExactly("cancelled");
    }
}
