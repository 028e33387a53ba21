package dev.distill.engine.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ParallelTasksTest {

    @Test
    void tasksRunAtTheSameTimeAndTheirResultsComeBackInOrder() throws Exception {
        // Each task waits until all have started: run one after another, they would never end.
        CountDownLatch started = new CountDownLatch(3);
        List<ParallelTasks.Task<String, InterruptedException>> tasks = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            tasks.add(() -> {
                started.countDown();
                if (!started.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the tasks did not run at the same time");
                }
                return name;
            });
        }

        assertThat(ParallelTasks.all("test", 3, tasks)).containsExactly("a", "b", "c");
    }

    @Test
    void theFirstFailureIsThrownAsTheTaskThrewItOnceTheOthersHaveEnded() {
        AtomicBoolean slowEnded = new AtomicBoolean();
        CountDownLatch slowStarted = new CountDownLatch(1);
        IOException failure = new IOException("blob sha256:abc: refused");
        List<ParallelTasks.Task<String, IOException>> tasks = List.of(
                () -> {
                    try {
                        slowStarted.await(10, TimeUnit.SECONDS);  // fails while the other one runs
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw failure;
                },
                () -> {
                    slowStarted.countDown();
                    try {
                        Thread.sleep(10_000);
                        return "slow";
                    } catch (InterruptedException e) {
                        return "stopped";
                    } finally {
                        slowEnded.set(true);
                    }
                });

        assertThatThrownBy(() -> ParallelTasks.all("test", 2, tasks)).isSameAs(failure);
        assertThat(slowEnded).as("the other task was stopped and had ended before the failure was thrown").isTrue();
    }

    @Test
    void eachTaskWorksUnderTheCallersBudget() throws Exception {
        Budget budget = Budget.of(Duration.ofMinutes(5));
        List<ParallelTasks.Task<Budget, RuntimeException>> tasks = List.of(Budget::current, Budget::current);
        List<Budget> seen;
        try (Budget.Binding bound = budget.bind()) {
            seen = ParallelTasks.all("test", 2, tasks);
        }
        assertThat(seen).containsExactly(budget, budget);
    }

    @Test
    void oneAtATimeRunsOnTheCallersThread() throws Exception {
        Thread caller = Thread.currentThread();
        List<ParallelTasks.Task<Thread, RuntimeException>> tasks = List.of(Thread::currentThread, Thread::currentThread);
        assertThat(ParallelTasks.all("test", 1, tasks)).containsExactly(caller, caller);
        assertThatThrownBy(() -> ParallelTasks.all("test", 0, tasks)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 0");
    }
}
