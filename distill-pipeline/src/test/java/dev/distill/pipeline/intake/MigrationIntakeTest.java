package dev.distill.pipeline.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.ImageReference;
import dev.distill.events.MigrationOptions;
import dev.distill.events.MigrationRequested;
import dev.distill.pipeline.status.MigrationStatus;
import dev.distill.pipeline.status.MigrationView;
import dev.distill.pipeline.testing.InMemoryPipeline;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

class MigrationIntakeTest {

    private static final ImageReference PUSH = ImageReference.parse("127.0.0.1:5000/shop/app:1@sha256:" + "a".repeat(64));

    /** The in-memory log, with a switch that makes the view unable to catch up (Kafka unreachable). */
    private static final class Pipeline implements MigrationStatus {
        final InMemoryPipeline log = new InMemoryPipeline();
        final AtomicBoolean reachable = new AtomicBoolean(true);
        final AtomicInteger barriers = new AtomicInteger();

        @Override
        public Optional<MigrationView> find(String id) {
            return log.find(id);
        }

        @Override
        public List<MigrationView> list(Predicate<MigrationView> filter, int limit) {
            return log.list(filter, limit);
        }

        @Override
        public boolean awaitCaughtUp(Duration timeout) {
            barriers.incrementAndGet();
            return reachable.get();
        }

        MigrationIntake intake() {
            return new MigrationIntake(this, log, reference -> Optional.empty(), Clock.systemUTC(), Duration.ofSeconds(1));
        }

        long requests() {
            return log.published().stream().filter(e -> e instanceof MigrationRequested).count();
        }
    }

    @Test
    void aResentNotificationIsAnsweredFromTheViewWithoutWaitingForIt() {
        Pipeline p = new Pipeline();
        MigrationIntake intake = p.intake();
        MigrationIntake.Admission first = intake.request(PUSH, MigrationOptions.DEFAULT, "webhook:distribution");
        int barriersForNew = p.barriers.get();
        p.reachable.set(false);

        MigrationIntake.Admission again = intake.request(PUSH, MigrationOptions.DEFAULT, "webhook:distribution");

        assertThat(first.created()).isTrue();
        assertThat(again).isEqualTo(new MigrationIntake.Admission(first.migrationId(), false));
        assertThat(barriersForNew).isEqualTo(2);
        assertThat(p.barriers.get()).as("no barrier for a migration already in the view").isEqualTo(barriersForNew);
        assertThat(p.requests()).isEqualTo(1);
    }

    @Test
    void aNotificationIsAnsweredOnceKafkaHasTheRequestAndAResendBehindALaggingViewStartsNothing() {
        Pipeline p = new Pipeline();
        // A view that shows what was published only after a barrier, as the Kafka-fed one does.
        AtomicBoolean caughtUp = new AtomicBoolean(true);
        MigrationStatus lagging = new MigrationStatus() {
            @Override
            public Optional<MigrationView> find(String id) {
                return caughtUp.get() ? p.find(id) : Optional.empty();
            }

            @Override
            public List<MigrationView> list(Predicate<MigrationView> filter, int limit) {
                return p.list(filter, limit);
            }

            @Override
            public boolean awaitCaughtUp(Duration timeout) {
                p.barriers.incrementAndGet();
                caughtUp.set(true);
                return true;
            }
        };
        MigrationIntake intake = new MigrationIntake(lagging, event -> {
            p.log.publish(event);
            caughtUp.set(false);
        }, reference -> Optional.empty(), Clock.systemUTC(), Duration.ofSeconds(1));

        MigrationIntake.Admission first = intake.admit(PUSH, MigrationOptions.DEFAULT, "webhook:distribution");
        int barriersForNew = p.barriers.get();
        MigrationIntake.Admission resent = intake.admit(PUSH, MigrationOptions.DEFAULT, "webhook:distribution");

        assertThat(first.created()).isTrue();
        assertThat(barriersForNew).as("one barrier, before deciding; none after publishing").isEqualTo(1);
        assertThat(resent).isEqualTo(new MigrationIntake.Admission(first.migrationId(), false));
        assertThat(p.requests()).isEqualTo(1);
    }

    @Test
    void anUnknownPushIsNotStartedWhenTheViewCannotCatchUp() {
        Pipeline p = new Pipeline();
        p.reachable.set(false);

        assertThatThrownBy(() -> p.intake().request(PUSH, MigrationOptions.DEFAULT, "webhook:distribution"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not up to date");
        assertThat(p.log.published()).isEmpty();
    }

    @Test
    void theSamePushArrivingManyTimesAtOnceStartsOneMigration() throws Exception {
        Pipeline p = new Pipeline();
        MigrationIntake intake = p.intake();
        int senders = 16;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(senders);
        try {
            List<Future<MigrationIntake.Admission>> answers = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                Callable<MigrationIntake.Admission> send = () -> {
                    go.await();
                    return intake.request(PUSH, MigrationOptions.DEFAULT, "webhook:distribution");
                };
                answers.add(pool.submit(send));
            }
            go.countDown();
            int created = 0;
            for (Future<MigrationIntake.Admission> a : answers) {
                created += a.get().created() ? 1 : 0;
            }
            assertThat(created).isEqualTo(1);
            assertThat(p.requests()).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }
}
