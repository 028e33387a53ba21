package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Prometheus side of deploy/: the alert rules pass {@code promtool check rules} and their unit tests
 * ({@code promtool test rules}: each alert fires on the series that should fire it and stays silent otherwise), and
 * the configuration deploy/local/prometheus.sh writes passes {@code promtool check config}. Uses Debian's promtool
 * (package prometheus, installed by deploy/local/install-prereqs.sh); no stack is started.
 */
class AlertRulesTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @Test
    void theAlertRulesAreValid() {
        String out = Commands.run(TIMEOUT, List.of("promtool", "check", "rules", "deploy/prometheus/distill-alerts.yml"))
                .assertSucceeded().output();
        assertThat(out).contains("SUCCESS: 8 rules found");
    }

    @Test
    void theAlertRulesFireWhenTheyShouldAndOnlyThen() {
        String out = Commands.run(TIMEOUT, List.of("promtool", "test", "rules",
                "deploy/prometheus/tests/distill-alerts.test.yml")).assertSucceeded().output();
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void aRuleThatNoLongerMatchesItsTestFailsTheTests(@TempDir Path dir) throws Exception {
        // The tests can fail: the same tests against rules with one threshold changed.
        Path rules = dir.resolve("distill-alerts.yml");
        Files.writeString(rules, Files.readString(LocalStack.root().resolve("deploy/prometheus/distill-alerts.yml"))
                .replace("max by (topic) (distill_kafka_dead_letters) > 0", "max by (topic) (distill_kafka_dead_letters) > 1"));
        Path tests = dir.resolve("tests/distill-alerts.test.yml");
        Files.createDirectories(tests.getParent());
        Files.copy(LocalStack.root().resolve("deploy/prometheus/tests/distill-alerts.test.yml"), tests);
        Commands.Result result = Commands.run(TIMEOUT, List.of("promtool", "test", "rules", tests.toString()));
        assertThat(result.exit()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("DistillDeadLetterQueueNotEmpty");
    }

    @Test
    void theLocalStacksScrapeConfigurationIsValid(@TempDir Path state) {
        Commands.Result result = Commands.run(TIMEOUT, Map.of("DISTILL_STATE_DIR", state.toString()),
                List.of("bash", "deploy/local/prometheus.sh", "config")).assertSucceeded();
        Path config = state.resolve("prometheus/prometheus.yml");
        assertThat(result.output()).contains(config.toString());
        Commands.run(TIMEOUT, List.of("promtool", "check", "config", config.toString())).assertSucceeded();
    }
}
