package dev.distill.engine.runtime.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The stays-up window is measured from the programs' start: the other probes run inside it and only what is left is
 * waited. No clock is watched here: the arithmetic is checked with given instants, and the probe with windows that
 * are already over (it must not wait) or a process that has ended.
 */
class StaysUpWindowTest {

    private static final Duration THREE_SECONDS = Duration.ofSeconds(3);
    private static final long S = 1_000_000_000L;

    @Test
    void whatTheOtherProbesTookIsNotWaitedAgain() {
        long started = 1_000 * S;

        assertThat(Prober.remainingNanos(THREE_SECONDS, started, started)).isEqualTo(3 * S);
        assertThat(Prober.remainingNanos(THREE_SECONDS, started, started + 1_300_000_000L)).isEqualTo(1_700_000_000L);
        assertThat(Prober.remainingNanos(THREE_SECONDS, started, started + 3 * S)).isZero();
    }

    @Test
    void probesLongerThanTheWindowLeaveNothingToWaitAndNeverANegativeWait() {
        long started = 1_000 * S;

        assertThat(Prober.remainingNanos(THREE_SECONDS, started, started + 25 * S)).isZero();
    }

    @Test
    void aWindowThatOpensLaterIsWaitedInFullNotMore() {
        long started = 1_000 * S;

        assertThat(Prober.remainingNanos(THREE_SECONDS, started, started - 2 * S)).isEqualTo(3 * S);
    }

    @Test
    void nanoTimeValuesAreComparedByDifferenceAcrossTheirWrap() {
        long started = Long.MAX_VALUE - S;  // nanoTime may be any value; one second later it has wrapped

        assertThat(started + 2 * S).isNegative();
        assertThat(Prober.remainingNanos(THREE_SECONDS, started, started + 2 * S)).isEqualTo(S);
    }

    @Test
    void aWindowAlreadyOverPassesAtOnceWithOneLook() {
        AtomicInteger looks = new AtomicInteger();
        Prober prober = new Prober(Path.of("/proc/self/ns/net"), () -> looks.incrementAndGet() > 0, () -> "log", 0);

        ProbeResult up = prober.staysUp(THREE_SECONDS, System.nanoTime() - 4 * S);

        assertThat(up.passed()).as("%s", up).isTrue();
        assertThat(up.attempts()).isEqualTo(1);
        assertThat(looks).hasValue(1);
        assertThat(up.probe()).isEqualTo("process stays up for 3000 ms after its start");
        assertThat(up.evidence()).startsWith("running ").endsWith(" ms after its start");
    }

    @Test
    void aProcessThatEndedDuringTheOtherProbesFailsAtOnceWithItsLog() {
        Prober prober = new Prober(Path.of("/proc/self/ns/net"), () -> false, () -> "the log", 0);

        ProbeResult up = prober.staysUp(THREE_SECONDS, System.nanoTime() - S);

        assertThat(up.passed()).isFalse();
        assertThat(up.attempts()).isEqualTo(1);
        assertThat(up.evidence()).startsWith("process ended (found ended ").endsWith(" ms after its start)");
        assertThat(up.logExcerpt()).isEqualTo("the log");
    }
}
