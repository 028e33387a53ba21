package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.testing.FixtureImages;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Grafana dashboards against the real local stack after real migrations: a push that succeeds (the musl fixture),
 * one that is BLOCKED (an entrypoint script that needs a shell), busybox serving a page (whatever its verdict: the
 * result keeps busybox, which is also a shell), and a webhook call with a wrong secret. Then every query of every panel, with the dashboard's template
 * variables substituted as Grafana would (each query variable by the values its own query finds in Prometheus), must
 * return at least one series from the stack's Prometheus (deploy/local/prometheus.sh, started by up.sh).
 */
@ExtendWith(SharedStack.class)
class DashboardQueriesIT {

    static final String PROMETHEUS = LocalStack.PROMETHEUS;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Grafana's own variables, as they are with a 1-hour range and a 15 s interval (rate windows of four scrapes and more). */
    private static final Map<String, String> BUILT_IN = Map.of("$__rate_interval", "1m", "$__range", "1h",
            "$__interval", "15s");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\)");

    /** One panel query, with where it comes from. */
    record PanelQuery(String dashboard, String panel, String refId, String expr) {
        String where() {
            return dashboard + " / " + panel + " / " + refId;
        }
    }

    @Test
    void everyPanelQueryReturnsSeriesAfterRealMigrations() throws Exception {
        FixtureImages.push("musl-plugin", LocalStack.REGISTRY + "/e2e-ops/greeter:1");
        E2eImages.httpServer("dashboards").push(E2eImages.USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e-ops/served:1"));
        E2eImages.needsAShell("dashboards").push(E2eImages.USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e-ops/scripted:1"));
        HttpResponse<String> rejected = HTTP.send(HttpRequest.newBuilder(URI.create(LocalStack.API + "/api/registry/events"))
                .header("Authorization", "Bearer not-the-secret").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[]}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(rejected.statusCode()).isEqualTo(401);

        Map<String, String> expected = Map.of("e2e-ops/greeter", "SUCCEEDED", "e2e-ops/served", "any",
                "e2e-ops/scripted", "BLOCKED");
        await().atMost(Duration.ofSeconds(60)).until(() -> expected.keySet().stream().allMatch(r -> Migrations.of(r).size() == 1));
        expected.forEach((repository, state) -> {
            JsonNode done = Migrations.awaitFinal(Migrations.of(repository).get(0).get("id").asText());
            if (!state.equals("any")) {
                assertThat(done.get("state").asText()).as(done.toString()).isEqualTo(state);
            }
        });

        List<PanelQuery> queries = new ArrayList<>();
        for (Path file : GrafanaDashboardsTest.dashboards()) {
            queries.addAll(queriesOf(Migrations.JSON.readTree(file.toFile())));
        }
        assertThat(queries).hasSizeGreaterThan(30);

        // Prometheus scrapes every 5 s and rates need two samples: wait until the migrations show, then judge.
        List<PanelQuery>[] empty = new List[1];
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(5)).until(() -> {
                empty[0] = queries.stream().filter(q -> seriesCount(q.expr()) == 0).toList();
                return empty[0].isEmpty();
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Reported below, query by query.
        }
        assertThat(empty[0]).as("panel queries that returned no series:\n" + empty[0].stream()
                .map(q -> q.where() + ": " + q.expr()).collect(Collectors.joining("\n"))).isEmpty();
    }

    /** Every panel target's expression, template variables substituted. */
    static List<PanelQuery> queriesOf(JsonNode dashboard) {
        Map<String, String> variables = new LinkedHashMap<>(BUILT_IN);
        for (JsonNode v : dashboard.at("/templating/list")) {
            String name = v.get("name").asText();
            switch (v.get("type").asText()) {
                case "datasource" -> {
                    // Not used inside expressions.
                }
                case "query" -> {
                    List<String> values = labelValues(v.get("query").asText());
                    assertThat(values).as("variable " + name + " of " + dashboard.get("uid").asText() + ": "
                            + v.get("query").asText()).isNotEmpty();
                    variables.put("$" + name, regex(values));
                }
                case "custom" -> {
                    List<String> selected = new ArrayList<>();
                    JsonNode current = v.at("/current/value");
                    if (current.isArray()) {
                        current.forEach(c -> selected.add(c.asText()));
                    } else {
                        selected.add(current.asText());
                    }
                    variables.put("$" + name, regex(selected));
                }
                default -> throw new AssertionError("variable type " + v.get("type") + " is not handled by this test");
            }
        }
        List<PanelQuery> out = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asText();
                // Longest names first: $__range must not eat the start of $__rate_interval.
                for (Map.Entry<String, String> v : variables.entrySet().stream()
                        .sorted((a, b) -> b.getKey().length() - a.getKey().length()).toList()) {
                    expr = expr.replace(v.getKey(), v.getValue());
                }
                assertThat(expr).as(panel.get("title").asText()).doesNotContain("$");
                out.add(new PanelQuery(dashboard.get("uid").asText(), panel.get("title").asText(),
                        target.get("refId").asText(), expr));
            }
        }
        return out;
    }

    /** What Grafana puts for a multi-value variable in a regex matcher: the values, escaped, as alternatives. */
    private static String regex(List<String> values) {
        return "(" + values.stream().map(v -> v.replaceAll("([\\\\.+*?\\[^\\]$(){}=!<>|:-])", "\\\\\\\\$1"))
                .collect(Collectors.joining("|")) + ")";
    }

    /** {@code label_values(metric, label)} as Grafana's Prometheus data source answers it. */
    private static List<String> labelValues(String query) {
        Matcher m = LABEL_VALUES.matcher(query.trim());
        assertThat(m.matches()).as("a label_values(metric, label) query: " + query).isTrue();
        JsonNode answer = prometheus("/api/v1/label/" + m.group(2) + "/values?match[]=" + encode(m.group(1).trim()));
        List<String> values = new ArrayList<>();
        answer.get("data").forEach(v -> values.add(v.asText()));
        return values;
    }

    /** How many series a range query over the last ten minutes returns. */
    static int seriesCount(String expr) {
        long end = Instant.now().getEpochSecond();
        JsonNode answer = prometheus("/api/v1/query_range?query=" + encode(expr) + "&start=" + (end - 600) + "&end=" + end
                + "&step=15");
        return answer.at("/data/result").size();
    }

    private static JsonNode prometheus(String pathAndQuery) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(PROMETHEUS + pathAndQuery))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode answer = Migrations.JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(answer.path("status").asText())) {
                throw new AssertionError("Prometheus refused " + pathAndQuery + ": " + r.statusCode() + " " + r.body());
            }
            return answer;
        } catch (java.io.IOException e) {
            throw new AssertionError("Prometheus at " + PROMETHEUS + " did not answer " + pathAndQuery + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
