package dev.distill.pipeline.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.events.ImageAnalyzed;
import dev.distill.events.ImageBuilt;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.RepairRequested;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.pipeline.stage.StageFailure;
import dev.distill.pipeline.stage.StageRunner;
import dev.distill.pipeline.testing.InMemoryPipeline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MeteredEventPublisherTest {

    /** A clock the test moves forward. */
    private static final class StepClock extends Clock {
        Instant now = Instant.parse("2026-12-01T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** Every call, as text: what a metrics library would have been told. */
    private static final class Recorded implements PipelineMetrics {
        final List<String> calls = new ArrayList<>();
        final List<MigrationEnding> endings = new ArrayList<>();

        @Override
        public void migrationRequested(TriggerLabel trigger) {
            calls.add("requested " + trigger.value());
        }

        @Override
        public void stageEnded(Stage stage, StageOutcome outcome, Duration took) {
            calls.add("stage " + stage.label() + " " + outcome.label() + " " + (took == null ? "?" : took.toSeconds() + "s"));
        }

        @Override
        public void migrationEnded(MigrationEnding ending) {
            endings.add(ending);
            calls.add("ended " + ending.outcome() + " " + ending.reasonClass().label());
        }

        @Override
        public void repairRequested(int round) {
            calls.add("repair " + round);
        }

        @Override
        public void surfaceLeftBehind(SurfaceKind kind, int items) {
            calls.add("surface " + kind.value() + " " + items);
        }
    }

    private final StepClock clock = new StepClock();
    private final InMemoryPipeline pipeline = new InMemoryPipeline();
    private final Recorded metrics = new Recorded();
    private final MeteredEventPublisher publisher = new MeteredEventPublisher(pipeline, pipeline, metrics);

    private MigrationRequested request(String id, String trigger) {
        MigrationRequested r = new MigrationRequested(id, clock.instant(), "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000",
                "demo/app", "1", null, MigrationOptions.DEFAULT, trigger);
        publisher.publish(r);
        return r;
    }

    private StageRunner runner(Stage stage) {
        return new StageRunner(stage, pipeline, publisher, clock, "test", Duration.ofSeconds(1));
    }

    @Test
    void aMigrationThroughAllStagesIsMeasuredOnceWithDurationsFromItsOwnEvents() {
        MigrationRequested r = request("m-1", "webhook:distribution");
        runner(Stage.ANALYZE).run(r, (in, progress) -> {
            clock.advance(Duration.ofSeconds(3));
            return List.of(new ImageAnalyzed(in.migrationId(), clock.instant(), "/report", null, List.of("app")));
        });
        ImageAnalyzed analyzed = (ImageAnalyzed) pipeline.published().get(pipeline.published().size() - 1);
        runner(Stage.BUILD).run(analyzed, (in, progress) -> {
            clock.advance(Duration.ofSeconds(7));
            return List.of(built(in.migrationId(), 0, List.of(item("SHELL", "/bin/sh"), item("SHELL", "/bin/bash"),
                    item("PACKAGE_MANAGER", "/usr/bin/apt"), item("SOMETHING_NEW", "/x"))));
        });
        ImageBuilt built = (ImageBuilt) pipeline.published().get(pipeline.published().size() - 1);
        runner(Stage.VERIFY).run(built, (in, progress) -> {
            clock.advance(Duration.ofSeconds(20));
            return List.of(new MigrationVerified(in.migrationId(), clock.instant(), Outcome.SUCCEEDED, List.of("fine"),
                    1000, 250, List.of("/bin/sh"), null, 0, null, null));
        });

        assertThat(metrics.calls).containsExactly(
                "requested webhook:distribution",
                "stage analyze succeeded 3s",
                "stage build succeeded 7s",
                "surface other 1", "surface package_manager 1", "surface shell 2",
                "stage verify succeeded 20s",
                "ended SUCCEEDED none");
        PipelineMetrics.MigrationEnding ending = metrics.endings.get(0);
        assertThat(ending.trigger()).isEqualTo(TriggerLabel.WEBHOOK_DISTRIBUTION);
        assertThat(ending.stage()).isEqualTo(Stage.VERIFY);
        assertThat(ending.sinceRequest()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ending.sourceBytes()).isEqualTo(1000);
        assertThat(ending.resultBytes()).isEqualTo(250);
        assertThat(ending.sized()).isTrue();
        assertThat(publisher.openStages()).isZero();
    }

    @Test
    void aBlockedStageEndsTheMigrationAndARedeliveryCountsNothing() {
        MigrationRequested r = request("m-2", "api");
        StageRunner analyze = runner(Stage.ANALYZE);
        analyze.run(r, (in, progress) -> {
            clock.advance(Duration.ofSeconds(2));
            throw StageFailure.blocked("the entrypoint needs a shell");
        });
        int before = metrics.calls.size();
        assertThat(analyze.run(r, (in, progress) -> List.of())).isEqualTo(StageRunner.Result.SKIPPED_DUPLICATE);

        assertThat(metrics.calls).hasSize(before).containsExactly("requested api", "stage analyze blocked 2s",
                "ended BLOCKED blocked");
        assertThat(metrics.endings.get(0).sized()).isFalse();
        assertThat(metrics.endings.get(0).sinceRequest()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aRepairRoundEndsTheVerifyRunAndTheBuildOfARepairDoesNotCountTheSurfaceAgain() {
        request("m-3", "api");
        publisher.publish(new ImageBuilt("m-3", clock.instant(), List.of(), 0, 0,
                new ImageBuilt.LeftBehind(List.of(item("SHELL", "/bin/sh")), List.of(), ""), null, null, 1, null));
        publisher.publish(new RepairRequested("m-3", clock.instant(), 2, "/build",
                List.of(new RepairRequested.MissingFile("app", "/etc/x", "ENOENT")), "/verification"));

        // No start was seen for either stage here: counted, without a duration.
        assertThat(metrics.calls).containsExactly("requested api", "stage build succeeded ?", "stage verify repair ?",
                "repair 2");
    }

    @Test
    void failedVerdictsAreClassedByTheirEvidence() {
        MigrationVerified.Probe failedProbe = new MigrationVerified.Probe("http 8080", false, "refused", "200");
        MigrationVerified.Probe passedProbe = new MigrationVerified.Probe("tcp 8080", true, "open", "open");
        assertThat(ReasonClass.of(verdict(Outcome.FAILED, new MigrationVerified.Evidence(List.of(passedProbe), "",
                new MigrationVerified.StructureTests(3, 1, 0), List.of())))).isEqualTo(ReasonClass.STRUCTURE_TEST);
        assertThat(ReasonClass.of(verdict(Outcome.FAILED, new MigrationVerified.Evidence(List.of(failedProbe), "",
                new MigrationVerified.StructureTests(3, 0, 0), List.of())))).isEqualTo(ReasonClass.PROBE);
        assertThat(ReasonClass.of(verdict(Outcome.FAILED, MigrationVerified.Evidence.NONE))).isEqualTo(ReasonClass.VERIFICATION);
        assertThat(ReasonClass.of(verdict(Outcome.NEEDS_REVIEW, MigrationVerified.Evidence.NONE))).isEqualTo(ReasonClass.REVIEW);
        assertThat(ReasonClass.of(new StageFailed("m", clock.instant(), Stage.BUILD, Outcome.FAILED, "registry down")))
                .isEqualTo(ReasonClass.STAGE_ERROR);
    }

    @Test
    void labelsStayInTheirBoundedSets() {
        assertThat(TriggerLabel.of("api")).isEqualTo(TriggerLabel.API);
        assertThat(TriggerLabel.of("webhook:harbor")).isEqualTo(TriggerLabel.WEBHOOK_HARBOR);
        assertThat(TriggerLabel.of("webhook:127.0.0.1:5000/demo/app")).isEqualTo(TriggerLabel.OTHER);
        assertThat(TriggerLabel.of(null)).isEqualTo(TriggerLabel.UNKNOWN);
        assertThat(SurfaceKind.of("SETUID").value()).isEqualTo("setuid");
        assertThat(SurfaceKind.of("/bin/sh")).isEqualTo(SurfaceKind.OTHER);
    }

    @Test
    void anEventThatCouldNotBePublishedIsNotMeasured() {
        MeteredEventPublisher failing = new MeteredEventPublisher(e -> {
            throw new IllegalStateException("broker down");
        }, pipeline, metrics);
        assertThatThrownBy(() -> failing.publish(new MigrationRequested("m-4", clock.instant(), "r/a:1", "r", "a", "1",
                null, MigrationOptions.DEFAULT, "api"))).hasMessageContaining("broker down");
        assertThat(metrics.calls).isEmpty();
    }

    @Test
    void aMeasurementThatFailsNeverFailsThePublisher() {
        MeteredEventPublisher broken = new MeteredEventPublisher(pipeline, pipeline, new PipelineMetrics() {
            @Override
            public void migrationRequested(TriggerLabel trigger) {
                throw new IllegalArgumentException("a metrics library refusing its configuration");
            }
        });
        broken.publish(new MigrationRequested("m-5", clock.instant(), "r/a:1", "r", "a", "1", null,
                MigrationOptions.DEFAULT, "api"));
        assertThat(pipeline.find("m-5")).isPresent();
    }

    @Test
    void startsWhoseEndNeverCameAreBounded() {
        for (int i = 0; i < MeteredEventPublisher.MAX_OPEN_STAGES + 5; i++) {
            clock.advance(Duration.ofMillis(1));
            publisher.publish(new dev.distill.events.StageStarted("open-" + i, clock.instant(), Stage.ANALYZE, "test"));
        }
        assertThat(publisher.openStages()).isEqualTo(MeteredEventPublisher.MAX_OPEN_STAGES);
    }

    private MigrationVerified verdict(Outcome outcome, MigrationVerified.Evidence evidence) {
        return new MigrationVerified("m", clock.instant(), outcome, List.of("why"), 10, 5, List.of(), evidence, 0, null, null);
    }

    private ImageBuilt built(String id, int round, List<ImageBuilt.Item> items) {
        return new ImageBuilt(id, clock.instant(), List.of(), 100, 1000, new ImageBuilt.LeftBehind(items, List.of(), "dpkg"),
                "/build", null, round, null);
    }

    private static ImageBuilt.Item item(String kind, String path) {
        return new ImageBuilt.Item(kind, path.substring(path.lastIndexOf('/') + 1), path, "sha256:" + "b".repeat(64));
    }
}
