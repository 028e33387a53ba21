package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The webhook load benchmark of docs/reliability.md: 200 registry notifications per second for 60 s, half of them
 * resent duplicates, against a fresh local stack, with the status API read meanwhile. Not part of CI (its name does
 * not end in IT); run it with {@code bench/load.sh}. Rate and duration: {@code -Dload.rate}, {@code -Dload.seconds};
 * how long to follow the analysis stage's drain of the backlog afterwards (reported, not checked): {@code
 * -Dload.drain-seconds} (300); the client's protocol: {@code -Dload.http} (1.1, as a registry; or 2).
 */
@ExtendWith(SharedStack.class)
class LoadHarness {

    @Test
    void twoHundredNotificationsPerSecondForAMinuteLoseNoPushAndStartNothingTwice() throws Exception {
        int rate = Integer.getInteger("load.rate", 200);
        int seconds = Integer.getInteger("load.seconds", 60);
        // The backlog's drain is the analysis stage's pace, reported beside the webhook's figures, not checked.
        WebhookLoad.Report report = new WebhookLoad("load", Long.getLong("load.seed", 1)).run(rate, seconds,
                Duration.ofSeconds(Long.getLong("load.drain-seconds", 300)));
        System.out.println("LoadHarness:\n" + report.describe());
        assertThat(report.pushesWithoutMigration()).as(report.describe()).isZero();
        assertThat(report.pushesWithSeveralMigrations()).as(report.describe()).isZero();
        assertThat(report.analysesStartedTwice()).as(report.describe()).isZero();
        // The registry gives up on an answer after its endpoint's timeout (5 s in deploy/local/registry.sh) and resends:
        // the webhook keeps up when (nearly) every notification is answered well within it.
        assertThat(report.webhook().p99()).as("webhook p99 (ms) under the registry's 5 s timeout\n" + report.describe())
                .isLessThan(5000);
    }
}
