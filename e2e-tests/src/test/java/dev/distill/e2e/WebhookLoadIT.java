package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A small version of the webhook load benchmark ({@link LoadHarness}, docs/reliability.md) for every test run: 20
 * notifications per second for 5 s, half of them resent duplicates. No push is lost, none gets two migrations, no
 * analysis starts twice, and every migration ends.
 */
@ExtendWith(SharedStack.class)
class WebhookLoadIT {

    @Test
    void everyPushGetsExactlyOneMigrationUnderResentNotifications() throws Exception {
        WebhookLoad.Report report = new WebhookLoad("e2e-load", 42).run(20, 5, Duration.ofMinutes(3));
        System.out.println("WebhookLoadIT:\n" + report.describe());
        assertThat(report.pushesWithoutMigration()).as(report.describe()).isZero();
        assertThat(report.pushesWithSeveralMigrations()).as(report.describe()).isZero();
        assertThat(report.analysesStartedTwice()).as(report.describe()).isZero();
        assertThat(report.notEnded()).as(report.describe()).isZero();
        assertThat(report.migrations()).isEqualTo(report.uniquePushes());
    }
}
