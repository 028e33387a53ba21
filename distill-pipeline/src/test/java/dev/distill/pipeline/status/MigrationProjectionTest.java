package dev.distill.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationCancelled;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageProgress;
import dev.distill.events.StageStarted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MigrationProjectionTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    private static MigrationRequested requested() {
        return new MigrationRequested("m-1", T0, "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000", "demo/app", "1",
                "sha256:" + "a".repeat(64), MigrationOptions.DEFAULT, "api");
    }

    private static MigrationView fold(List<MigrationEvent> events) {
        MigrationView v = null;
        for (MigrationEvent e : events) {
            v = MigrationProjection.apply(v, e);
        }
        return v;
    }

    private static List<MigrationEvent> happyPath() {
        return List.of(
                requested(),
                new StageStarted("m-1", T0.plusSeconds(1), Stage.ANALYZE, "a"),
                new ImageAnalyzed("m-1", T0.plusSeconds(2), "/r", "sha256:" + "b".repeat(64), List.of("app")),
                new StageStarted("m-1", T0.plusSeconds(3), Stage.BUILD, "b"),
                new ImageBuilt("m-1", T0.plusSeconds(4), List.of(new ImageBuilt.BuiltImage("app", "r:1-distroless", "sha256:" + "c".repeat(64), "b/cc:nonroot", "sha256:" + "d".repeat(64), "65532:65532", 10, 20, 3)), 100, 200, null, null, null, 0, null),
                new StageStarted("m-1", T0.plusSeconds(5), Stage.VERIFY, "v"),
                new MigrationVerified("m-1", T0.plusSeconds(6), Outcome.SUCCEEDED, List.of("probes passed"), 100, 10,
                        List.of("/bin/sh"), null, 0, null, null));
    }

    @Test
    void statesFollowThePipeline() {
        List<MigrationEvent> events = happyPath();
        List<MigrationState> states = new ArrayList<>();
        MigrationView v = null;
        for (MigrationEvent e : events) {
            v = MigrationProjection.apply(v, e);
            states.add(v.state());
        }
        assertThat(states).containsExactly(MigrationState.REQUESTED, MigrationState.ANALYZING, MigrationState.ANALYZED,
                MigrationState.BUILDING, MigrationState.BUILT, MigrationState.VERIFYING, MigrationState.SUCCEEDED);
        assertThat(v.stage(Stage.BUILD).startedAt()).isEqualTo(T0.plusSeconds(3));
        assertThat(v.stage(Stage.BUILD).endedAt()).isEqualTo(T0.plusSeconds(4));
        assertThat(v.results()).hasSize(1);
        assertThat(v.reasons()).containsExactly("probes passed");
        assertThat(v.source().digest()).startsWith("sha256:aaa");
    }

    @Test
    void anyArrivalOrderGivesTheSameView() {
        MigrationView expected = fold(happyPath());
        Random random = new Random(42);
        for (int i = 0; i < 50; i++) {
            List<MigrationEvent> shuffled = new ArrayList<>(happyPath());
            Collections.shuffle(shuffled, random);
            assertThat(fold(shuffled)).isEqualTo(expected);
        }
    }

    @Test
    void duplicatesChangeNothing() {
        List<MigrationEvent> twice = new ArrayList<>(happyPath());
        twice.addAll(happyPath());
        assertThat(fold(twice)).isEqualTo(fold(happyPath()));
    }

    @Test
    void aFailedStageEndsTheMigrationWithItsReasonAndTheFirstEndingWins() {
        MigrationView v = fold(List.of(requested(),
                new StageStarted("m-1", T0.plusSeconds(1), Stage.ANALYZE, "a"),
                new StageFailed("m-1", T0.plusSeconds(2), Stage.ANALYZE, Outcome.FAILED, "registry unreachable"),
                new StageFailed("m-1", T0.plusSeconds(3), Stage.ANALYZE, Outcome.BLOCKED, "later duplicate")));
        assertThat(v.state()).isEqualTo(MigrationState.FAILED);
        assertThat(v.reasons()).containsExactly("analyze: registry unreachable");
        assertThat(v.stage(Stage.ANALYZE).outcome()).isEqualTo(Outcome.FAILED);
        assertThat(v.state().isFinal()).isTrue();
    }

    @Test
    void blockedIsItsOwnFinalState() {
        MigrationView v = fold(List.of(requested(),
                new StageFailed("m-1", T0.plusSeconds(2), Stage.ANALYZE, Outcome.BLOCKED, "entrypoint needs a shell")));
        assertThat(v.state()).isEqualTo(MigrationState.BLOCKED);
    }

    @Test
    void aCancellationEndsARunningMigrationWithWhoAndWhenInAnyReadingOrder() {
        List<MigrationEvent> events = List.of(requested(),
                new StageStarted("m-1", T0.plusSeconds(1), Stage.ANALYZE, "a"),
                new ImageAnalyzed("m-1", T0.plusSeconds(2), "/r", null, List.of("app")),
                new StageStarted("m-1", T0.plusSeconds(3), Stage.BUILD, "b"),
                new MigrationCancelled("m-1", T0.plusSeconds(4), "operator", "wrong tag"),
                new MigrationCancelled("m-1", T0.plusSeconds(5), "someone-else", null),
                // A stage that did not notice in time: its outcome comes after the cancellation and changes nothing.
                new ImageBuilt("m-1", T0.plusSeconds(6), List.of(), 1, 1, null, null, null, 0, null));
        MigrationView expected = fold(events);
        assertThat(expected.state()).isEqualTo(MigrationState.CANCELLED);
        assertThat(expected.cancellation()).isEqualTo(new MigrationView.Cancellation("operator", T0.plusSeconds(4), "wrong tag"));
        Random random = new Random(7);
        for (int i = 0; i < 30; i++) {
            List<MigrationEvent> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, random);
            assertThat(fold(shuffled)).isEqualTo(expected);
        }
    }

    @Test
    void aMigrationThatEndedBeforeTheCancellationKeepsItsEnding() {
        List<MigrationEvent> events = new ArrayList<>(happyPath());
        events.add(new MigrationCancelled("m-1", T0.plusSeconds(7), "operator", null));
        MigrationView v = fold(events);
        assertThat(v.state()).isEqualTo(MigrationState.SUCCEEDED);
        Collections.reverse(events);
        assertThat(fold(events).state()).isEqualTo(MigrationState.SUCCEEDED);
        MigrationView failed = fold(List.of(requested(),
                new StageFailed("m-1", T0.plusSeconds(2), Stage.ANALYZE, Outcome.FAILED, "registry unreachable"),
                new MigrationCancelled("m-1", T0.plusSeconds(3), "operator", null)));
        assertThat(failed.state()).isEqualTo(MigrationState.FAILED);
    }

    @Test
    void theLatestProgressOfEachStageIsKeptWhateverArrivesLast() {
        StageProgress early = new StageProgress("m-1", T0.plusSeconds(2), Stage.ANALYZE, 0, "read-layers",
                List.of(new StageProgress.Counter("layers", 1, 3)));
        StageProgress late = new StageProgress("m-1", T0.plusSeconds(3), Stage.ANALYZE, 0, "read-layers",
                List.of(new StageProgress.Counter("layers", 3, 3)));
        assertThat(fold(List.of(requested(), early, late)).progress().get(Stage.ANALYZE)).isEqualTo(late);
        assertThat(fold(List.of(requested(), late, early)).progress().get(Stage.ANALYZE)).isEqualTo(late);
        assertThat(fold(List.of(requested(), late, early)).state()).isEqualTo(MigrationState.REQUESTED);
    }

    @Test
    void aReRunKnowsTheMigrationItRepeats() {
        MigrationView v = fold(List.of(new MigrationRequested("m-2", T0, "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000",
                "demo/app", "1", "sha256:" + "a".repeat(64), MigrationOptions.DEFAULT, "rerun", "m-1", 2, "operator")));
        assertThat(v.source().attemptOf()).isEqualTo("m-1");
        assertThat(v.source().attempt()).isEqualTo(2);
        assertThat(v.source().requestedBy()).isEqualTo("operator");
        assertThat(v.source().firstAttempt(v.id())).isEqualTo("m-1");
        assertThat(fold(List.of(requested())).source().firstAttempt("m-1")).isEqualTo("m-1");
    }

    @Test
    void claimsAreKeptInTheOrderTheyWereMadeAndAReplayAddsNone() {
        Instant t = Instant.parse("2026-11-27T10:00:00Z");
        List<MigrationEvent> events = List.of(
                new StageStarted("m-c", t, Stage.ANALYZE, "a@1/x", "dev.distill.migration.requested.v1", t.plusSeconds(1200)),
                new StageStarted("m-c", t.plusSeconds(60), Stage.ANALYZE, "b@2/y", "dev.distill.migration.requested.v1", null),
                new StageStarted("m-c", t.plusSeconds(61), Stage.VERIFY, "v@3/z", "dev.distill.image.built.v1#0", null),
                new StageStarted("m-c", t.plusSeconds(62), Stage.BUILD, "old"));
        MigrationView v = null;
        for (MigrationEvent e : events) {
            v = MigrationProjection.apply(v, e);
        }
        for (MigrationEvent e : events) {  // the status view read the topics again after losing its consumer
            v = MigrationProjection.apply(v, e);
        }
        assertThat(v.claimsOn(Stage.ANALYZE, "dev.distill.migration.requested.v1")).extracting(Claim::instance)
                .containsExactly("a@1/x", "b@2/y");
        assertThat(v.claimsOn(Stage.VERIFY, "dev.distill.image.built.v1#0")).singleElement()
                .satisfies(c -> assertThat(c.deadline()).isNull());
        assertThat(v.claims()).hasSize(3);  // a start without a claim (an older event) claims nothing
        assertThat(v.stage(Stage.ANALYZE).startedBy()).isEqualTo("b@2/y");
        assertThat(v.stage(Stage.ANALYZE).startedAt()).isEqualTo(t);
    }
}
