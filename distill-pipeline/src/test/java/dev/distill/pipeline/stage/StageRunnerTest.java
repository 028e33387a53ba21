package dev.distill.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.progress.Progress;
import dev.distill.events.ImageAnalyzed;
import dev.distill.events.MigrationCancelled;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageProgress;
import dev.distill.events.StageStarted;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.testing.InMemoryPipeline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class StageRunnerTest {

    private final InMemoryPipeline pipeline = new InMemoryPipeline();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
    private final StageRunner analyzer = new StageRunner(Stage.ANALYZE, pipeline, pipeline, clock, "test-1", Duration.ofSeconds(1));

    private MigrationRequested request(String id) {
        MigrationRequested r = new MigrationRequested(id, clock.instant(), "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000",
                "demo/app", "1", null, MigrationOptions.DEFAULT, "api");
        pipeline.publish(r);
        return r;
    }

    @Test
    void aSuccessfulStepStartsThenHandsOn() {
        MigrationRequested r = request("m-ok");
        StageRunner.Result result = analyzer.run(r, (in, progress) ->
                List.of(new ImageAnalyzed(in.migrationId(), clock.instant(), "/report", null, List.of("app"))));
        assertThat(result).isEqualTo(StageRunner.Result.HANDED_ON);
        assertThat(pipeline.published()).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("MigrationRequested", "StageStarted", "ImageAnalyzed");
        assertThat(pipeline.find("m-ok").orElseThrow().state()).isEqualTo(MigrationState.ANALYZED);
    }

    @Test
    void aRedeliveredInputIsSkippedOnceTheStageEnded() {
        MigrationRequested r = request("m-dup");
        int[] calls = {0};
        StageStep<MigrationRequested> step = (in, progress) -> {
            calls[0]++;
            throw StageFailure.blocked("needs a shell");
        };
        assertThat(analyzer.run(r, step)).isEqualTo(StageRunner.Result.ENDED_UNSUCCESSFULLY);
        assertThat(analyzer.run(r, step)).isEqualTo(StageRunner.Result.SKIPPED_DUPLICATE);
        assertThat(calls[0]).isEqualTo(1);
        assertThat(pipeline.published().stream().filter(e -> e instanceof StageFailed)).hasSize(1);
        assertThat(pipeline.find("m-dup").orElseThrow().state()).isEqualTo(MigrationState.BLOCKED);
    }

    @Test
    void aCrashInTheStepBecomesAFailureEventInsteadOfKillingTheStage() {
        MigrationRequested r = request("m-bug");
        StageRunner.Result result = analyzer.run(r, (in, progress) -> {
            throw new IllegalStateException("boom");
        });
        assertThat(result).isEqualTo(StageRunner.Result.ENDED_UNSUCCESSFULLY);
        StageFailed failed = (StageFailed) last(pipeline.published());
        assertThat(failed.outcome()).isEqualTo(Outcome.FAILED);
        assertThat(failed.reason()).contains("internal error in the analyze stage").contains("boom");
    }

    @Test
    void anUnreadableInputEndsItsKnownMigrationAndNamesTheDeadLetterTopic() {
        request("m-poison");
        analyzer.reportUnreadable("m-poison", "distill.migration.requested", "not JSON");
        StageFailed failed = (StageFailed) last(pipeline.published());
        assertThat(failed.reason()).contains("not JSON").contains("distill.migration.requested.dlq");
        analyzer.reportUnreadable("m-unknown", "distill.migration.requested", "not JSON");
        assertThat(pipeline.find("m-unknown")).isEmpty();
    }

    @Test
    void aStartedButUnfinishedStageRunsAgainAfterACrash() {
        MigrationRequested r = request("m-crash");
        pipeline.publish(new StageStarted("m-crash", clock.instant(), Stage.ANALYZE, "died"));
        StageRunner.Result result = analyzer.run(r, (in, progress) ->
                List.of(new ImageAnalyzed(in.migrationId(), clock.instant(), "/report", null, List.of())));
        assertThat(result).isEqualTo(StageRunner.Result.HANDED_ON);
    }

    @Test
    void aStepStopsAtItsNextSafePointOnceTheMigrationIsCancelledAndNothingMoreIsPublished() {
        MigrationRequested r = request("m-cancel");
        List<String> reached = new java.util.ArrayList<>();
        StageRunner.Result result = analyzer.run(r, (in, progress) -> {
            StageContext context = StageContext.of(progress, in.migrationId(), Stage.ANALYZE, clock);
            context.checkpoint("reading the layers");
            reached.add("layers read");
            // Someone cancels while the step works.
            pipeline.publish(new MigrationCancelled(in.migrationId(), clock.instant(), "operator", null));
            context.checkpoint("storing the report");
            reached.add("report stored");
            return List.of(new ImageAnalyzed(in.migrationId(), clock.instant(), "/report", null, List.of()));
        });
        assertThat(result).isEqualTo(StageRunner.Result.STOPPED_CANCELLED);
        assertThat(reached).containsExactly("layers read");
        assertThat(pipeline.published()).extracting(e -> e.getClass().getSimpleName())
                .containsExactly("MigrationRequested", "StageStarted", "MigrationCancelled");
        assertThat(pipeline.find("m-cancel").orElseThrow().state()).isEqualTo(MigrationState.CANCELLED);
        // Redelivered later, the input is not taken up again.
        assertThat(analyzer.run(r, (in, progress) -> List.of())).isEqualTo(StageRunner.Result.SKIPPED_DUPLICATE);
    }

    @Test
    void progressIsThrottledButAStepsLastReportIsNeverLost() {
        MigrationRequested r = request("m-progress");
        StageContext context = new StageContext(pipeline, r.migrationId(), Stage.ANALYZE, clock, () -> false,
                Duration.ofHours(1));
        try (StageProgressReporter reporter = context.progress(0)) {
            for (int i = 1; i <= 100; i++) {
                reporter.progress(Progress.of("read-layers", Progress.count("bytes", i, 100)));
            }
            reporter.progress(Progress.of("analyse"));
        }
        List<StageProgress> sent = pipeline.published().stream().filter(e -> e instanceof StageProgress)
                .map(e -> (StageProgress) e).toList();
        assertThat(sent).extracting(StageProgress::step).containsExactly("read-layers", "read-layers", "analyse");
        assertThat(sent.get(0).counters()).containsExactly(new StageProgress.Counter("bytes", 1, 100));
        assertThat(sent.get(1).counters()).containsExactly(new StageProgress.Counter("bytes", 100, 100));
        assertThat(pipeline.find("m-progress").orElseThrow().progress()).containsKey(Stage.ANALYZE);
    }

    @Test
    void aProgressReportThatCannotBePublishedNeverStopsTheWork() {
        StageContext context = new StageContext(e -> {
            throw new IllegalStateException("Kafka is down");
        }, "m-x", Stage.BUILD, clock, () -> false, Duration.ZERO);
        try (StageProgressReporter reporter = context.progress(1)) {
            reporter.progress(Progress.of("assemble", Progress.count("files", 1, 2)));
        }
    }

    private static MigrationEvent last(List<MigrationEvent> events) {
        return events.get(events.size() - 1);
    }
}
