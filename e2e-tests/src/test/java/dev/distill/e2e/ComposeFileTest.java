package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/compose/compose.yaml, the compose file that runs Distill itself: it passes the Compose Specification's schema
 * (vendored, with ajv) after Compose's interpolation, and says what the services are: the images images.sh pushes,
 * their ports, read-only and unprivileged but for the verifier's sandbox runner, Prometheus with the alert rules, Grafana with the
 * provisioning of deploy/grafana.
 */
class ComposeFileTest {

    private static JsonNode check(Path compose, String... env) throws IOException {
        List<String> command = new java.util.ArrayList<>(List.of("bash", "deploy/schema-check/run.sh", "compose",
                LocalStack.root().resolve("deploy/compose/schema/compose-spec.json").toString(), compose.toString()));
        command.addAll(List.of(env));
        Commands.Result result = Commands.run(Duration.ofMinutes(5), command);
        return Migrations.JSON.readTree(result.output().substring(result.output().indexOf("{\n  \"check\"")));
    }

    @Test
    void theComposeFilePassesTheComposeSpecificationAndRunsWhatImagesShBuilds() throws IOException {
        JsonNode report = check(LocalStack.root().resolve("deploy/compose/compose.yaml"), "DISTILL_WEBHOOK_SECRET=s3cret");
        assertThat(report.get("failed").asInt()).as(report.toPrettyString()).isZero();
        JsonNode services = report.at("/checked/0/document/services");
        assertThat(report.at("/checked/0/services").toString()).contains("kafka", "registry", "analyzer-svc", "builder-svc",
                "verifier-svc", "sandbox-runner", "prometheus", "grafana");
        String[][] ports = {{"analyzer-svc", "8080"}, {"builder-svc", "8081"}, {"verifier-svc", "8082"}};
        for (String[] p : ports) {
            JsonNode s = services.get(p[0]);
            assertThat(s.get("image").asText()).isEqualTo("127.0.0.1:5000/distill/" + p[0] + ":0.1.0-SNAPSHOT");
            assertThat(s.at("/environment/QUARKUS_HTTP_PORT").asText()).isEqualTo(p[1]);
            assertThat(s.at("/environment/DISTILL_INTAKE_WEBHOOK_SECRET").asText()).isEqualTo("s3cret");
            assertThat(s.get("read_only").asBoolean()).isTrue();
            // Every service is unprivileged; the verifier's containers are run by its sandbox runner (below).
            assertThat(s.path("privileged").asBoolean(false)).isFalse();
            assertThat(s.get("user").asText()).isEqualTo("65532:65532");
            assertThat(s.get("cap_drop").toString()).contains("ALL");
        }
        JsonNode runner = services.get("sandbox-runner");
        assertThat(runner.get("privileged").asBoolean()).isTrue();
        assertThat(runner.get("user").asText()).isEqualTo("0:0");
        assertThat(runner.get("read_only").asBoolean()).isTrue();
        assertThat(services.at("/verifier-svc/environment/DISTILL_VERIFY_RUNNER").asText()).isEqualTo("socket");
        assertThat(services.at("/verifier-svc/volumes").toString()).contains("runner-socket:/run/distill-runner");
        assertThat(runner.get("volumes").toString()).contains("runner-socket:/run/distill-runner", "verifier-work:/work");
        assertThat(report.at("/checked/0/document/configs/registry-config/content").asText())
                .contains("url: http://127.0.0.1:8080/api/registry/events").contains("Bearer s3cret");
        assertThat(services.at("/prometheus/volumes").toString()).contains("../prometheus/distill-alerts.yml");
        assertThat(services.at("/grafana/volumes").toString()).contains("../grafana/provisioning:/etc/grafana/provisioning");
    }

    @Test
    void withoutTheSecretOrWithAWrongTypeItIsRefused(@TempDir Path dir) throws IOException {
        JsonNode noSecret = check(LocalStack.root().resolve("deploy/compose/compose.yaml"));
        assertThat(noSecret.at("/checked/0/errors").toString()).contains("DISTILL_WEBHOOK_SECRET must be set");

        Path broken = dir.resolve("compose.yaml");
        Files.writeString(broken, Files.readString(LocalStack.root().resolve("deploy/compose/compose.yaml"))
                .replace("privileged: true", "privileged: [yes]").replace("read_only: true", "read_onyl: true"));
        JsonNode report = check(broken, "DISTILL_WEBHOOK_SECRET=s3cret");
        assertThat(report.get("failed").asInt()).isEqualTo(1);
        assertThat(report.at("/checked/0/errors").toString()).contains("privileged").contains("read_onyl");
    }
}
