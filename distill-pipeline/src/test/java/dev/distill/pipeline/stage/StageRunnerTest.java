package dev.distill.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.engine.progress.Progress;
import dev.distill.engine.budget.Activity;
import dev.distill.engine.budget.Budget;
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
import dev.distill.pipeline.EventPublisher;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.testing.InMemoryPipeline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
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

    // --- budgets, concurrency and claims ---------------------------------------------------------------------------

    private StageRunner runner(String instance, Duration budget, StageRunner.Liveness liveness) {
        return new StageRunner(Stage.ANALYZE, pipeline, pipeline, Clock.systemUTC(),
                new StageRunner.Settings(instance, Duration.ofSeconds(1), budget, Duration.ofSeconds(5), Duration.ofMillis(20)),
                liveness);
    }

    private static ImageAnalyzed analyzed(String id) {
        return new ImageAnalyzed(id, Instant.now(), "/report", null, List.of("app"));
    }

    /** A transfer the step is blocked in until the budget aborts it, as the registry client's are. */
    private static final class BlockedTransfer implements Activity {
        final CountDownLatch aborted = new CountDownLatch(1);
        volatile String reason;

        @Override
        public String describe() {
            return "GET http://127.0.0.1:5000/v2/slow/app/blobs/sha256:ab: 12 B of 64.0 KiB in 20m (0 B/s)";
        }

        @Override
        public void abort(String why) {
            reason = why;
            aborted.countDown();
        }

        void blockUntilAborted() throws StageFailure {
            try (Budget.Tracking t = Budget.current().track(this)) {
                if (!aborted.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("never aborted");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw StageFailure.failed("cannot read the layers: " + reason);
        }
    }

    private List<StageFailed> failures(String id) {
        return pipeline.published().stream().filter(e -> e instanceof StageFailed f && f.migrationId().equals(id))
                .map(StageFailed.class::cast).toList();
    }

    @Test
    void aStepOverItsBudgetEndsFailedSayingWhatItWasDoingAndItsAbandonedWorkUnwinds() throws Exception {
        StageRunner r = runner("a-1", Duration.ofMillis(300), other -> false);
        MigrationRequested in = request("m-slow");
        BlockedTransfer transfer = new BlockedTransfer();
        CountDownLatch unwound = new CountDownLatch(1);
        StageRunner.Result result = r.submit(in, (input, progress) -> {
            Budget.current().step("reading the layers of 127.0.0.1:5000/slow/app@sha256:cd");
            try {
                transfer.blockUntilAborted();
            } finally {
                unwound.countDown();
            }
            return List.of(analyzed(input.migrationId()));
        }).get(10, TimeUnit.SECONDS);

        assertThat(result).isEqualTo(StageRunner.Result.ENDED_UNSUCCESSFULLY);
        assertThat(transfer.reason).isEqualTo("the analyze stage's time budget of 0.3s is spent");
        assertThat(failures("m-slow")).singleElement().satisfies(f -> assertThat(f.reason())
                .startsWith("the analyze stage did not finish within its time budget of 0.3s and was abandoned while "
                        + "reading the layers of 127.0.0.1:5000/slow/app@sha256:cd: GET http://127.0.0.1:5000/v2/slow/app/blobs/"
                        + "sha256:ab: 12 B of 64.0 KiB in 20m (0 B/s)"));
        assertThat(unwound.await(10, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> r.running().isEmpty());
        // The step's own failure, after the budget decided, is not a second outcome.
        assertThat(failures("m-slow")).hasSize(1);
        assertThat(pipeline.find("m-slow").orElseThrow().state()).isEqualTo(MigrationState.FAILED);
        r.close();
    }

    @Test
    void severalInputsRunAtOnceSoASlowOneHoldsUpNoOther() throws Exception {
        StageRunner r = runner("a-1", Duration.ofMinutes(1), other -> false);
        CountDownLatch release = new CountDownLatch(1);
        StageStep<MigrationRequested> step = (input, progress) -> {
            if (input.migrationId().equals("m-trickle")) {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return List.of(analyzed(input.migrationId()));
        };
        CompletableFuture<StageRunner.Result> slow = r.submit(request("m-trickle"), step);
        List<CompletableFuture<StageRunner.Result>> fast = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            fast.add(r.submit(request("m-fast-" + i), step));
        }
        CompletableFuture.allOf(fast.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        assertThat(fast).allSatisfy(f -> assertThat(f.join()).isEqualTo(StageRunner.Result.HANDED_ON));
        assertThat(slow).isNotDone();
        release.countDown();
        assertThat(slow.get(10, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.HANDED_ON);
        r.close();
    }

    @Test
    void anInputDeliveredAgainWhileItIsWorkedOnJoinsThatWork() throws Exception {
        StageRunner r = runner("a-1", Duration.ofMinutes(1), other -> false);
        MigrationRequested in = request("m-twice");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        StageStep<MigrationRequested> step = (input, progress) -> {
            calls.incrementAndGet();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(analyzed(input.migrationId()));
        };
        CompletableFuture<StageRunner.Result> first = r.submit(in, step);
        await().atMost(Duration.ofSeconds(5)).until(() -> calls.get() == 1);
        CompletableFuture<StageRunner.Result> again = r.submit(in, step);
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.HANDED_ON);
        assertThat(again.get(10, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.HANDED_ON);
        assertThat(calls).hasValue(1);
        assertThat(pipeline.published()).filteredOn(e -> e instanceof StageStarted).hasSize(1);
        r.close();
    }

    @Test
    void anInputThatALiveInstanceClaimedIsWatchedNotStartedAndSkippedOnceThatInstanceEndsIt() throws Exception {
        MigrationRequested in = request("m-theirs");
        String work = in.type().ceType();
        pipeline.publish(new StageStarted("m-theirs", Instant.now(), Stage.ANALYZE, "b-2", work, Instant.now().plusSeconds(600)));
        StageRunner r = runner("a-1", Duration.ofMinutes(1), other -> other.equals("b-2"));
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<StageRunner.Result> watched = r.submit(in, (input, progress) -> {
            calls.incrementAndGet();
            return List.of(analyzed(input.migrationId()));
        });
        Thread.sleep(300);
        assertThat(watched).isNotDone();
        assertThat(r.running()).singleElement().satisfies(run -> assertThat(run.state()).isEqualTo("WATCHING"));
        pipeline.publish(analyzed("m-theirs"));  // b-2 handed it on
        assertThat(watched.get(5, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.HANDLED_ELSEWHERE);
        assertThat(calls).hasValue(0);
        assertThat(pipeline.published()).filteredOn(e -> e instanceof StageStarted s && "a-1".equals(s.instance())).isEmpty();
        r.close();
    }

    @Test
    void anInputWhoseClaimantLeftTheGroupIsTakenOver() throws Exception {
        MigrationRequested in = request("m-orphan");
        pipeline.publish(new StageStarted("m-orphan", Instant.now(), Stage.ANALYZE, "b-2", in.type().ceType(), null));
        AtomicBoolean b2Alive = new AtomicBoolean(true);
        StageRunner r = runner("a-1", Duration.ofMinutes(1), other -> other.equals("b-2") && b2Alive.get());
        CompletableFuture<StageRunner.Result> result = r.submit(in, (input, progress) -> List.of(analyzed(input.migrationId())));
        Thread.sleep(200);
        assertThat(result).isNotDone();
        b2Alive.set(false);  // b-2 crashed; Kafka dropped it from the group
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.HANDED_ON);
        assertThat(pipeline.find("m-orphan").orElseThrow().stage(Stage.ANALYZE).startedBy()).isEqualTo("a-1");
        r.close();
    }

    @Test
    void whenTwoInstancesClaimAtOnceTheEarlierLiveClaimWinsAndTheOtherWatches() throws Exception {
        MigrationRequested in = request("m-race");
        AtomicBoolean raced = new AtomicBoolean();
        // b-2's claim lands just before ours, as when both saw the input around a rebalance.
        EventPublisher racing = event -> {
            if (event instanceof StageStarted s && "a-1".equals(s.instance()) && raced.compareAndSet(false, true)) {
                pipeline.publish(new StageStarted(s.migrationId(), s.occurredAt().minusMillis(1), s.stage(), "b-2", s.work(),
                        s.deadline()));
            }
            pipeline.publish(event);
        };
        StageRunner r = new StageRunner(Stage.ANALYZE, pipeline, racing, Clock.systemUTC(),
                new StageRunner.Settings("a-1", Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofSeconds(5),
                        Duration.ofMillis(20)), other -> other.equals("b-2"));
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<StageRunner.Result> result = r.submit(in, (input, progress) -> {
            calls.incrementAndGet();
            return List.of(analyzed(input.migrationId()));
        });
        Thread.sleep(200);
        assertThat(result).isNotDone();
        pipeline.publish(analyzed("m-race"));
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.HANDLED_ELSEWHERE);
        assertThat(calls).hasValue(0);
        r.close();
    }

    @Test
    void aLaterClaimByALiveInstanceDoesNotStopTheEarlierOne() throws Exception {
        MigrationRequested in = request("m-first");
        // c-3 claims just after us: it must wait for us, and we must not wait for it.
        EventPublisher racing = event -> {
            pipeline.publish(event);
            if (event instanceof StageStarted s && "a-1".equals(s.instance())) {
                pipeline.publish(new StageStarted(s.migrationId(), s.occurredAt().plusMillis(1), s.stage(), "c-3", s.work(),
                        s.deadline()));
            }
        };
        StageRunner r = new StageRunner(Stage.ANALYZE, pipeline, racing, Clock.systemUTC(),
                new StageRunner.Settings("a-1", Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofSeconds(5),
                        Duration.ofMillis(20)), other -> other.equals("c-3"));
        assertThat(r.submit(in, (input, progress) -> List.of(analyzed(input.migrationId()))).get(5, TimeUnit.SECONDS))
                .isEqualTo(StageRunner.Result.HANDED_ON);
        r.close();
    }

    @Test
    void abandoningAMigrationAbortsItsWorkAtOnceWithTheReason() throws Exception {
        StageRunner r = runner("a-1", Duration.ofMinutes(10), other -> false);
        MigrationRequested in = request("m-cancel");
        BlockedTransfer transfer = new BlockedTransfer();
        CompletableFuture<StageRunner.Result> result = r.submit(in, (input, progress) -> {
            transfer.blockUntilAborted();
            return List.of();
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> !r.running().isEmpty() && r.running().get(0).state().equals("RUNNING"));
        assertThat(r.abandon("m-cancel", "cancelled by alice")).isTrue();
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.ENDED_UNSUCCESSFULLY);
        assertThat(failures("m-cancel")).singleElement().satisfies(f -> assertThat(f.reason())
                .startsWith("cancelled by alice (while GET http://127.0.0.1:5000/v2/slow/app/blobs/sha256:ab"));
        assertThat(transfer.reason).isEqualTo("cancelled by alice");
        r.close();
    }

    @Test
    void cancellingAMigrationAbortsWhatItsStepIsBlockedInAndPublishesNothing() throws Exception {
        StageRunner r = runner("a-1", Duration.ofMinutes(10), other -> false);
        MigrationRequested in = request("m-cancel-blocked");
        BlockedTransfer transfer = new BlockedTransfer();
        CompletableFuture<StageRunner.Result> result = r.submit(in, (input, progress) -> {
            transfer.blockUntilAborted();
            return List.of(analyzed(input.migrationId()));
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> !r.running().isEmpty() && r.running().get(0).state().equals("RUNNING"));
        pipeline.publish(new MigrationCancelled("m-cancel-blocked", Instant.now(), "alice", null));
        assertThat(r.cancel("m-cancel-blocked", "cancelled by alice")).isTrue();
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.STOPPED_CANCELLED);
        assertThat(transfer.reason).isEqualTo("cancelled by alice");
        assertThat(failures("m-cancel-blocked")).isEmpty();
        assertThat(pipeline.published()).filteredOn(e -> e instanceof ImageAnalyzed).isEmpty();
        assertThat(pipeline.find("m-cancel-blocked").orElseThrow().state()).isEqualTo(MigrationState.CANCELLED);
        r.close();
    }

    @Test
    void anOutcomeIsPublishedAgainUntilKafkaTakesIt() throws Exception {
        AtomicInteger refusals = new AtomicInteger(2);
        EventPublisher flaky = event -> {
            if (event instanceof ImageAnalyzed && refusals.getAndDecrement() > 0) {
                throw new IllegalStateException("broker not available");
            }
            pipeline.publish(event);
        };
        StageRunner r = new StageRunner(Stage.ANALYZE, pipeline, flaky, Clock.systemUTC(),
                new StageRunner.Settings("a-1", Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofSeconds(5),
                        Duration.ofMillis(20)), other -> false);
        assertThat(r.submit(request("m-flaky"), (input, progress) -> List.of(analyzed(input.migrationId())))
                .get(10, TimeUnit.SECONDS)).isEqualTo(StageRunner.Result.HANDED_ON);
        assertThat(pipeline.published()).filteredOn(e -> e instanceof ImageAnalyzed).hasSize(1);
        r.close();
    }

    @Test
    void shuttingDownAbortsWorkInFlightWithoutEndingItsMigration() throws Exception {
        StageRunner r = runner("a-1", Duration.ofMinutes(10), other -> false);
        BlockedTransfer transfer = new BlockedTransfer();
        CompletableFuture<StageRunner.Result> result = r.submit(request("m-shutdown"), (input, progress) -> {
            transfer.blockUntilAborted();
            return List.of();
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> !r.running().isEmpty() && r.running().get(0).state().equals("RUNNING"));
        r.close();
        assertThat(transfer.aborted.await(5, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(200);
        // Unacknowledged, the input comes again after the restart: nothing may end the migration now.
        assertThat(result).isNotDone();
        assertThat(failures("m-shutdown")).isEmpty();
    }

    private static MigrationEvent last(List<MigrationEvent> events) {
        return events.get(events.size() - 1);
    }
}
