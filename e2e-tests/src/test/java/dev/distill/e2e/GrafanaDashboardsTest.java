package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards of deploy/grafana pass the Grafana foundation SDK's dashboard schema (vendored in
 * deploy/grafana/schema) with npm's ajv, run by deploy/schema-check/run.sh (which installs its pinned packages with
 * npm ci); the provisioning names the data source the dashboards use. That every query returns data is
 * {@link DashboardQueriesIT}'s part, against the real stack.
 */
class GrafanaDashboardsTest {

    private static final Duration TIMEOUT = Duration.ofMinutes(5);

    static List<Path> dashboards() {
        try (Stream<Path> files = Files.list(LocalStack.root().resolve("deploy/grafana/dashboards"))) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode check(List<Path> files) {
        List<String> command = new ArrayList<>(List.of("bash", "deploy/schema-check/run.sh", "dashboards",
                LocalStack.root().resolve("deploy/grafana/schema").toString()));
        files.forEach(f -> command.add(f.toString()));
        Commands.Result result = Commands.run(TIMEOUT, command);
        String out = result.output();
        try {
            // npm may print to the same stream first: the report is the JSON document at the end.
            return Migrations.JSON.readTree(out.substring(out.indexOf("{\n  \"check\"")));
        } catch (IOException | StringIndexOutOfBoundsException e) {
            throw new AssertionError("no report from the dashboard check (exit " + result.exit() + "):\n" + out, e);
        }
    }

    @Test
    void everyDashboardPassesTheGrafanaSchema() {
        List<Path> files = dashboards();
        assertThat(files).extracting(f -> f.getFileName().toString()).containsExactly(
                "distill-kafka.json", "distill-overview.json", "distill-savings.json", "distill-stages.json");
        JsonNode report = check(files);
        assertThat(report.get("failed").asInt()).as(report.toPrettyString()).isZero();
        for (JsonNode dashboard : report.get("checked")) {
            assertThat(dashboard.get("panels").asInt()).as(dashboard.get("file").asText()).isGreaterThanOrEqualTo(5);
            assertThat(dashboard.get("queries").asInt()).isGreaterThanOrEqualTo(dashboard.get("panels").asInt());
        }
    }

    @Test
    void aDashboardThatBreaksTheSchemaIsRefusedWithWhereAndWhy(@TempDir Path dir) throws IOException {
        ObjectNode broken = (ObjectNode) Migrations.JSON.readTree(dashboards().get(0).toFile());
        broken.remove("schemaVersion");
        ((ObjectNode) broken.at("/panels/0/targets/0")).put("expresion", "up");
        ((ObjectNode) broken.at("/panels/0/gridPos")).put("w", 30);
        Path file = dir.resolve("broken.json");
        Migrations.JSON.writeValue(file.toFile(), broken);

        JsonNode report = check(List.of(file));
        assertThat(report.get("failed").asInt()).isEqualTo(1);
        assertThat(report.at("/checked/0/errors").toString())
                .contains("must have required property 'schemaVersion'")
                .contains("must NOT have additional properties (expresion)")
                .contains("past the grid's 24");
    }

    @Test
    void theProvisionedDataSourceIsTheOneTheDashboardsSelect() throws IOException {
        String datasources = Files.readString(LocalStack.root().resolve("deploy/grafana/provisioning/datasources/distill.yml"));
        String providers = Files.readString(LocalStack.root().resolve("deploy/grafana/provisioning/dashboards/distill.yml"));
        assertThat(datasources).contains("uid: distill-prometheus").contains("type: prometheus")
                .contains("url: ${DISTILL_PROMETHEUS_URL}");
        assertThat(providers).contains("type: file").contains("path: ${DISTILL_GRAFANA_DASHBOARDS}");
        for (Path file : dashboards()) {
            JsonNode dashboard = Migrations.JSON.readTree(file.toFile());
            JsonNode variable = dashboard.at("/templating/list/0");
            assertThat(variable.get("type").asText()).isEqualTo("datasource");
            assertThat(variable.at("/current/value").asText()).as(file.toString()).isEqualTo("distill-prometheus");
            assertThat(dashboard.findValues("uid").stream().map(JsonNode::asText).filter(u -> u.startsWith("$")))
                    .as("every panel and query reads the data source variable").containsOnly("${datasource}");
        }
    }
}
