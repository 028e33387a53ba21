package dev.distill.engine.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetTest {

    /** An activity that records its aborts. */
    private static final class Recorded implements Activity {
        final List<String> aborts = new ArrayList<>();
        final String description;

        Recorded(String description) {
            this.description = description;
        }

        @Override
        public String describe() {
            return description;
        }

        @Override
        public void abort(String reason) {
            aborts.add(reason);
        }
    }

    @Test
    void withoutABoundBudgetTheCurrentOneIsUnlimitedAndChangesNothing() {
        Budget none = Budget.current();
        assertThat(none.isUnlimited()).isTrue();
        assertThat(none.cap(Duration.ofHours(3))).isEqualTo(Duration.ofHours(3));
        assertThat(none.isExpired()).isFalse();
        Recorded r = new Recorded("x");
        none.track(r).close();
        assertThat(r.aborts).isEmpty();
        assertThatThrownBy(() -> none.expire("no")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aBindingMakesTheBudgetCurrentOnThisThreadOnlyAndRestoresTheOneBefore() throws Exception {
        Budget outer = Budget.of(Duration.ofMinutes(5));
        Budget inner = Budget.of(Duration.ofMinutes(1));
        try (Budget.Binding a = outer.bind()) {
            try (Budget.Binding b = inner.bind()) {
                assertThat(Budget.current()).isSameAs(inner);
                Thread other = new Thread(() -> assertThat(Budget.current().isUnlimited()).isTrue());
                other.start();
                other.join();
            }
            assertThat(Budget.current()).isSameAs(outer);
        }
        assertThat(Budget.current().isUnlimited()).isTrue();
    }

    @Test
    void waitsAreCappedByWhatIsLeft() {
        Budget b = Budget.of(Duration.ofSeconds(30));
        assertThat(b.cap(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.cap(Duration.ofMinutes(5))).isLessThanOrEqualTo(Duration.ofSeconds(30)).isGreaterThan(Duration.ofSeconds(25));
    }

    @Test
    void expiringAbortsWhatIsTrackedOnceAndWhatComesLaterAtOnce() throws Exception {
        Budget b = Budget.of(Duration.ofMinutes(5));
        Recorded transfer = new Recorded("blob sha256:ab: 12 B of 64.0 KiB");
        Recorded done = new Recorded("finished");
        b.step("reading the layers");
        Budget.Tracking t = b.track(transfer);
        b.track(done).close();
        assertThat(b.doing()).isEqualTo("reading the layers: blob sha256:ab: 12 B of 64.0 KiB");

        assertThat(b.expire("cancelled by a person")).isTrue();
        assertThat(b.expire("again")).isFalse();
        t.close();
        assertThat(transfer.aborts).containsExactly("cancelled by a person");
        assertThat(done.aborts).isEmpty();
        assertThat(b.isExpired()).isTrue();
        assertThat(b.cap(Duration.ofSeconds(5))).isZero();
        assertThat(b.doing()).isEqualTo("reading the layers");

        Recorded late = new Recorded("late");
        b.track(late);
        assertThat(late.aborts).containsExactly("cancelled by a person");
        assertThatThrownBy(() -> b.ensureRemaining("start container app")).isInstanceOf(BudgetExpiredException.class)
                .hasMessage("did not start container app: cancelled by a person");
    }

    @Test
    void aBudgetRunsOutByItself() throws Exception {
        Budget b = Budget.of(Duration.ofMillis(50));
        Thread.sleep(80);
        assertThat(b.isExpired()).isTrue();
        assertThat(b.cap(Duration.ofSeconds(1))).isZero();
        assertThatThrownBy(() -> b.ensureRemaining("start container app"))
                .hasMessage("did not start container app: the time budget of 0.1s is spent");
    }

    @Test
    void durationsReadAsPeopleWriteThem() {
        assertThat(Budget.format(Duration.ofMinutes(20))).isEqualTo("20m");
        assertThat(Budget.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(Budget.format(Duration.ofMinutes(61))).isEqualTo("1h1m");
        assertThat(Budget.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(Budget.format(Duration.ZERO)).isEqualTo("0s");
        assertThatThrownBy(() -> Budget.of(Duration.ZERO)).hasMessageContaining("PT0S");
    }
}
