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
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Images whose entrypoint runs steps before its program, pushed to the stack's registry and migrated by the services:
 * the Laravel-shaped fixture (caches and templating baked at build time, the migration an init container, a queue
 * worker and a scheduler whose files the result must make as the source does) and the
 * official images' pattern on redis (the root-only branch decided by the user the result runs as).
 */
@ExtendWith(SharedStack.class)
class EntrypointStepsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "NEEDS_REVIEW", "BLOCKED", "FAILED");

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** Pushes a fixture as a user would and waits for the migration the push starts to end. */
    private static String migrate(String fixture, String repository) throws Exception {
        FixtureImages.push(fixture, LocalStack.REGISTRY + "/" + repository + ":1");
        String[] id = new String[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode list = json(LocalStack.get("/api/migrations?repository=" + repository)).get("migrations");
            if (list.isEmpty()) {
                return false;
            }
            id[0] = list.get(0).get("id").asText();
            return true;
        });
        await().atMost(Duration.ofSeconds(480)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            HttpResponse<String> r = LocalStack.get("/api/migrations/" + id[0]);
            return r.statusCode() == 200 && FINAL.contains(json(r).get("state").asText());
        });
        return id[0];
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    @Test
    void theLaravelImageBakesItsCachesRunsItsMigrationFirstAndAnswersLikeItsSource() throws Exception {
        String id = migrate("laravel-app", "e2e/laravel");
        JsonNode done = json(LocalStack.get("/api/migrations/" + id));

        // Every step of the entrypoint decided, with its line and why.
        JsonNode analysis = json(LocalStack.get("/api/migrations/" + id + "/analysis"));
        List<JsonNode> steps = list(analysis.at("/plan/prestart/steps"));
        assertThat(steps).extracting(s -> s.get("line").asInt() + " " + s.get("action").asText()).containsExactly(
                "7 BAKE", "8 BAKE", "9 BAKE", "11 BAKE", "12 BAKE", "13 BAKE", "14 BAKE", "15 INIT");
        assertThat(steps).allSatisfy(s -> assertThat(s.get("reason").asText()).isNotBlank());
        assertThat(analysis.at("/plan/prestart/init/0/name").asText()).isEqualTo("init-php-artisan-migrate");

        // The builder: the baked files in the images, each with the step that made it; an image for the migration.
        JsonNode build = json(LocalStack.get("/api/migrations/" + id + "/build"));
        JsonNode fpm = list(build.get("images")).stream().filter(i -> i.get("program").asText().equals("php-fpm"))
                .findFirst().orElseThrow();
        assertThat(list(fpm.get("baked"))).anySatisfy(b -> {
            assertThat(b.get("path").asText()).isEqualTo("/var/www/html/bootstrap/cache/config.php");
            assertThat(b.get("change").asText()).isEqualTo("made");
            assertThat(b.get("step").asText()).isEqualTo("/usr/local/bin/docker-entrypoint.sh:11 php artisan config:cache");
        });
        assertThat(list(fpm.get("baked"))).anySatisfy(b -> {
            assertThat(b.get("path").asText()).isEqualTo("/var/www/html/storage");
            assertThat(b.get("change").asText()).isEqualTo("changed");
            assertThat(b.get("uid").asInt()).isEqualTo(33);  // chown -R www-data:www-data storage, line 9
        });
        // What the steps made belongs to no package: listed with the image's files of no package (and in its SBOMs).
        assertThat(fpm.at("/contents/unpackaged").toString()).contains("/var/www/html/bootstrap/cache/config.php");
        assertThat(list(build.get("images"))).filteredOn(i -> i.get("role").asText().equals("INIT")).singleElement()
                .satisfies(i -> assertThat(i.get("reference").asText()).endsWith("/e2e/laravel:1-distroless-init-php-artisan-migrate"));
        assertThat(LocalStack.get("/api/migrations/" + id + "/wiring/kubernetes").body()).contains("initContainers:")
                .contains("init-php-artisan-migrate");
        assertThat(LocalStack.get("/api/migrations/" + id + "/wiring/compose").body())
                .contains("service_completed_successfully");

        // The verifier ran the migration before the programs, and the pod answers like the source.
        JsonNode round = json(LocalStack.get("/api/migrations/" + id + "/verification")).at("/rounds/0/verification");
        assertThat(round.at("/result/init/0/exitStatus").asInt()).as(round.at("/result/init").toString()).isZero();
        assertThat(round.at("/result/probes").toString()).contains("Hello from the database")
                .contains("2 migrations applied").contains("Configuration cached, routes cached");
        assertThat(round.at("/comparisons").findValuesAsText("matches")).containsOnly("true");
        // The queue worker did its job in the result as in the source: the job the migration queued, its mail in the
        // outbox on the database's volume.
        assertThat(list(round.at("/result/probes"))).filteredOn(p -> p.get("kind").asText().equals("writes"))
                .anySatisfy(p -> {
                    assertThat(p.get("description").asText()).startsWith("queue-worker ");
                    assertThat(p.get("passed").asBoolean()).as(p.toString()).isTrue();
                    assertThat(p.get("evidence").asText()).contains("/var/lib/app/outbox/job-1.eml");
                });
        // The scheduler (schedule:work) ran its task: the queue's report.
        assertThat(list(round.at("/result/probes"))).filteredOn(p -> p.get("kind").asText().equals("writes"))
                .anySatisfy(p -> {
                    assertThat(p.get("description").asText()).startsWith("scheduler ");
                    assertThat(p.get("passed").asBoolean()).as(p.toString()).isTrue();
                    assertThat(p.get("evidence").asText()).contains("/var/lib/app/schedule/queue-report.txt");
                });
        // Every image's structure tests pass, the baked files among them (a step's effect the result lacked fails).
        assertThat(done.at("/result/evidence/structureTests/failed").asInt()).isZero();
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void theOfficialImagePatternRunsAsTheUserItDropsToAndSaysWhatItCannotReproduce() throws Exception {
        String id = migrate("redis-official", "e2e/redis");
        JsonNode done = json(LocalStack.get("/api/migrations/" + id));
        JsonNode build = json(LocalStack.get("/api/migrations/" + id + "/build"));
        assertThat(build.at("/images/0/user").asText()).isEqualTo("999:999");
        assertThat(list(build.at("/images/0/changes"))).anySatisfy(c -> assertThat(c.get("what").asText())
                .contains("docker-entrypoint.sh:11"));
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("NEEDS_REVIEW");
        assertThat(done.get("reasons").toString()).contains("docker-entrypoint.sh:18").contains("umask");
    }
}
