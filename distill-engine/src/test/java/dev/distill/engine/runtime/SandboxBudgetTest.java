package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.budget.Budget;
import dev.distill.engine.budget.BudgetExpiredException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A container run is bounded by the time budget of the work that runs it, not only by its own time limit. */
class SandboxBudgetTest {

    @TempDir
    Path temp;

    @Test
    void aSpentBudgetKillsTheContainersItRunsAndStartsNoMore() throws Exception {
        assumeTrue(Busybox.runnable(), "needs root, runc, nsenter, curl, strace and /bin/busybox");
        Budget budget = Budget.of(Duration.ofMinutes(10));
        try (Budget.Binding ignored = budget.bind();
                Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults())) {
            ContainerRun sleeper = sandbox.create("sleeper", Busybox.image().build(), Busybox.shell("sleep 600"));
            sleeper.start();
            assertThat(budget.doing()).startsWith("running container sleeper for ");

            budget.expire("cancelled by a person");  // from another thread in real life: the stage runner's
            assertThat(sleeper.awaitExit(Duration.ofSeconds(10))).as("killed at once, not after 2 minutes").isTrue();
            assertThatThrownBy(() -> sandbox.create("late", Busybox.image().build(), Busybox.shell("true")))
                    .isInstanceOf(BudgetExpiredException.class).hasMessage("did not create container late: cancelled by a person");
        }
    }

    @Test
    void aContainerRunsNoLongerThanWhatIsLeftOfTheBudget() throws Exception {
        assumeTrue(Busybox.runnable(), "needs root, runc, nsenter, curl, strace and /bin/busybox");
        Budget budget = Budget.of(Duration.ofSeconds(2));
        try (Budget.Binding ignored = budget.bind();
                Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults())) {
            ContainerRun sleeper = sandbox.create("sleeper", Busybox.image().build(), Busybox.shell("sleep 600"));
            sleeper.start();
            assertThat(sleeper.awaitExit(Duration.ofSeconds(20))).isTrue();
            assertThat(sleeper.timedOut()).isTrue();
        }
    }
}
