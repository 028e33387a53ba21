package dev.distill.pipeline.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.events.MigrationCancelled;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.events.Outcome;
import dev.distill.events.Stage;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.pipeline.intake.MigrationIds;
import dev.distill.pipeline.status.MigrationState;
import dev.distill.pipeline.status.MigrationView;
import dev.distill.pipeline.testing.InMemoryPipeline;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class MigrationControlTest {

    private final InMemoryPipeline pipeline = new InMemoryPipeline();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-27T10:00:00Z"), ZoneOffset.UTC);
    private final MigrationControl control = new MigrationControl(pipeline, pipeline, clock, Duration.ofSeconds(1));

    private void requested(String id) {
        pipeline.publish(new MigrationRequested(id, clock.instant(), "127.0.0.1:5000/demo/app:1", "127.0.0.1:5000",
                "demo/app", "1", "sha256:" + "a".repeat(64), MigrationOptions.DEFAULT, "webhook:distribution"));
    }

    private void fail(String id) {
        pipeline.publish(new StageFailed(id, clock.instant(), Stage.ANALYZE, Outcome.BLOCKED, "needs a shell"));
    }

    @Test
    void anEndedMigrationRunsAgainAsANewAttemptLinkedToTheFirst() {
        requested("m-first");
        fail("m-first");

        MigrationControl.Rerun second = control.rerun("m-first", "operator");
        assertThat(second.outcome()).isEqualTo(MigrationControl.RerunOutcome.STARTED);
        assertThat(second.migrationId()).isEqualTo(MigrationIds.attempt("m-first", 2)).isNotEqualTo("m-first");
        MigrationView v = pipeline.find(second.migrationId()).orElseThrow();
        assertThat(v.source().attemptOf()).isEqualTo("m-first");
        assertThat(v.source().attempt()).isEqualTo(2);
        assertThat(v.source().requestedBy()).isEqualTo("operator");
        assertThat(v.source().digest()).isEqualTo("sha256:" + "a".repeat(64));
        assertThat(v.source().trigger()).isEqualTo("rerun");

        // While attempt 2 runs, neither it nor the first may start another.
        assertThat(control.rerun("m-first", "operator").outcome()).isEqualTo(MigrationControl.RerunOutcome.REFUSED);
        assertThat(control.rerun(second.migrationId(), "operator").message()).contains("attempt 2").contains("REQUESTED");

        // Once it ended, asking through either id gives attempt 3 of the first.
        fail(second.migrationId());
        MigrationControl.Rerun third = control.rerun(second.migrationId(), "operator");
        assertThat(third.attempt()).isEqualTo(3);
        assertThat(third.firstId()).isEqualTo("m-first");
        assertThat(pipeline.find(third.migrationId()).orElseThrow().source().attemptOf()).isEqualTo("m-first");
    }

    @Test
    void aRunningOrSucceededMigrationIsNotRunAgainAndAnUnknownOneIsSaidToBeUnknown() {
        requested("m-running");
        pipeline.publish(new StageStarted("m-running", clock.instant(), Stage.ANALYZE, "a"));
        MigrationControl.Rerun refused = control.rerun("m-running", "operator");
        assertThat(refused.outcome()).isEqualTo(MigrationControl.RerunOutcome.REFUSED);
        assertThat(refused.message()).contains("ANALYZING");
        assertThat(control.rerun("m-nope", "operator").outcome()).isEqualTo(MigrationControl.RerunOutcome.UNKNOWN);
    }

    @Test
    void aRunningMigrationIsCancelledWithWhoAndWhenAndAnEndedOneStaysAsItEnded() {
        requested("m-run");
        pipeline.publish(new StageStarted("m-run", clock.instant(), Stage.BUILD, "b"));
        MigrationControl.Cancel cancel = control.cancel("m-run", "operator", "pushed the wrong tag");
        assertThat(cancel.outcome()).isEqualTo(MigrationControl.CancelOutcome.CANCELLED);
        MigrationView v = pipeline.find("m-run").orElseThrow();
        assertThat(v.state()).isEqualTo(MigrationState.CANCELLED);
        assertThat(v.cancellation()).isEqualTo(new MigrationView.Cancellation("operator", clock.instant(),
                "pushed the wrong tag"));

        MigrationControl.Cancel again = control.cancel("m-run", "operator", null);
        assertThat(again.outcome()).isEqualTo(MigrationControl.CancelOutcome.ENDED);
        assertThat(again.state()).isEqualTo(MigrationState.CANCELLED);
        assertThat(pipeline.published().stream().filter(e -> e instanceof MigrationCancelled)).hasSize(1);
        assertThat(control.cancel("m-nope", "operator", null).outcome()).isEqualTo(MigrationControl.CancelOutcome.UNKNOWN);

        // A cancelled migration may run again.
        assertThat(control.rerun("m-run", "operator").outcome()).isEqualTo(MigrationControl.RerunOutcome.STARTED);
    }
}
