package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The webhook load benchmark of docs/reliability.md: 200 registry notifications per second for 60 s, half of them
 * resent duplicates, against a fresh local stack, with the status API read meanwhile. Not part of CI (its name does
 * not end in IT); run it with {@code bench/load.sh}. Rate and duration: {@code -Dload.rate}, {@code -Dload.seconds}.
 */
@ExtendWith(SharedStack.class)
class LoadHarness {

    @Test
    void twoHundredNotificationsPerSecondForAMinuteLoseNoPushAndStartNothingTwice() throws Exception {
        int rate = Integer.getInteger("load.rate", 200);
        int seconds = Integer.getInteger("load.seconds", 60);
        WebhookLoad.Report report = new WebhookLoad("load", Long.getLong("load.seed", 1)).run(rate, seconds,
                Duration.ofMinutes(20));
        System.out.println("LoadHarness:\n" + report.describe());
        assertThat(report.pushesWithoutMigration()).as(report.describe()).isZero();
        assertThat(report.pushesWithSeveralMigrations()).as(report.describe()).isZero();
        assertThat(report.analysesStartedTwice()).as(report.describe()).isZero();
        assertThat(report.notEnded()).as(report.describe()).isZero();
    }
}
