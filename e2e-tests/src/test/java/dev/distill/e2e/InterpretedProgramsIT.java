package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.testing.FixtureImages;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Programs run by an interpreter, through the whole stack: a Flask app on Debian's gunicorn (a #!/usr/bin/python3
 * script), a Node HTTP server, and PHP CLI workers under supervisord that listen on nothing. Each is pushed, analysed,
 * built as distroless images on its interpreter, run beside its source, and ends SUCCEEDED: the servers answer like
 * their sources, the workers make the files their source makes.
 */
@ExtendWith(SharedStack.class)
class InterpretedProgramsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "NEEDS_REVIEW", "BLOCKED", "FAILED");
    /** fixture -> repository, pushed together so that the stack migrates them side by side. */
    private static final Map<String, String> PUSHED = new LinkedHashMap<>(Map.of(
            "python-flask", "e2e-interpreted/flask", "node-http", "e2e-interpreted/node", "php-worker", "e2e-interpreted/worker"));

    @BeforeAll
    static void pushEveryFixture() throws Exception {
        for (Map.Entry<String, String> e : PUSHED.entrySet()) {
            FixtureImages.push(e.getKey(), LocalStack.REGISTRY + "/" + e.getValue() + ":1");
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** The one migration of a repository (started by the registry's push notification), once it has ended. */
    private static JsonNode finished(String repository) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            List<JsonNode> all = new ArrayList<>();
            json(LocalStack.get("/api/migrations?limit=10&repository=" + repository)).get("migrations").forEach(all::add);
            if (all.size() != 1) {
                return false;
            }
            HttpResponse<String> r = LocalStack.get("/api/migrations/" + all.get(0).get("id").asText());
            last[0] = r.statusCode() == 200 ? json(r) : null;
            return last[0] != null && FINAL.contains(last[0].get("state").asText());
        });
        return last[0];
    }

    private static JsonNode report(JsonNode migration, String part) {
        return json(LocalStack.get("/api/migrations/" + migration.get("id").asText() + "/" + part));
    }

    /** The verification of the round that decided the migration (the last one, after any repair). */
    private static JsonNode lastRound(JsonNode migration) {
        JsonNode rounds = report(migration, "verification").path("rounds");
        return rounds.get(rounds.size() - 1).path("verification");
    }

    @Test
    void aFlaskAppOnGunicornRunsOnPythonInExecFormAndAnswersLikeItsSource() {
        JsonNode done = finished(PUSHED.get("python-flask"));
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        JsonNode plan = report(done, "analysis").at("/plan/programs/0");
        assertThat(plan.path("command").get(0).asText()).isEqualTo("/usr/bin/python3");
        assertThat(plan.path("command").get(1).asText()).isEqualTo("/usr/bin/gunicorn");
        JsonNode verification = lastRound(done);
        assertThat(verification.at("/result/probes").toString()).contains("Hello from Flask");
        assertThat(verification.at("/comparisons").findValuesAsText("matches")).containsOnly("true");
        JsonNode build = report(done, "build");
        assertThat(build.at("/images/0/user").asText()).isEqualTo("33:33");
    }

    @Test
    void aNodeServerRunsWithThePackagesItLoadsAndAnswersLikeItsSource() {
        JsonNode done = finished(PUSHED.get("node-http"));
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(lastRound(done).at("/result/probes").toString()).contains("Hello from Node");
        JsonNode files = report(done, "analysis").at("/plan/programs/0/files");
        assertThat(files.findValuesAsText("path")).contains("/srv/app/node_modules/greeting/src/greeting.js")
                .doesNotContain("/srv/app/node_modules/left-pad/index.js");
    }

    @Test
    void phpWorkersUnderSupervisordBecomeImagesThatMakeWhatTheirSourceMakes() {
        JsonNode done = finished(PUSHED.get("php-worker"));
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        JsonNode verification = lastRound(done);
        List<JsonNode> writes = new ArrayList<>();
        verification.at("/result/probes").forEach(p -> {
            if (p.path("kind").asText().equals("writes")) {
                writes.add(p);
            }
        });
        assertThat(writes).isNotEmpty().allSatisfy(p -> {
            assertThat(p.path("passed").asBoolean()).as(p.toString()).isTrue();
            assertThat(p.path("evidence").asText()).contains("/srv/app/storage/done/job-1.txt");
        });
        JsonNode build = report(done, "build");
        assertThat(build.at("/images").findValuesAsText("program")).containsExactlyInAnyOrder("queue-worker", "scheduler");
        assertThat(build.at("/wiring/compose").asText()).contains("srv-app-storage");
    }
}
