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
 * Images shaped like users' images, pushed and migrated through the whole stack: Debian with php-fpm, nginx and
 * supervisor installed by apt (systemd pulled in, its ACLs on /var/log/journal as binary PAX records), and PHP in
 * the official {@code php} image's layout under /usr/local with nginx and supervisord added. Each must end
 * SUCCEEDED with its pod answering like its source.
 */
@ExtendWith(SharedStack.class)
class UsersImagesIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "NEEDS_REVIEW", "BLOCKED", "FAILED");

    @Test
    void debianWithPhpFpmNginxAndSupervisorInstalledByAptMigratesAclsAndAll() throws Exception {
        String repository = "e2e/users/debian-apt-php";
        FixtureImages.push("debian-apt-php", LocalStack.REGISTRY + "/" + repository + ":1");

        JsonNode done = awaitFinal(migrationOf(repository));
        String id = done.get("id").asText();
        // The view read the ACL records instead of failing the layer on them.
        JsonNode analysis = json(LocalStack.get("/api/migrations/" + id + "/analysis"));
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/results").findValuesAsText("reference")).containsExactlyInAnyOrder(
                LocalStack.REGISTRY + "/" + repository + ":1-distroless-php-fpm",
                LocalStack.REGISTRY + "/" + repository + ":1-distroless-nginx");
        assertThat(analysis.at("/stats/entries").asLong()).isGreaterThan(5000);
        JsonNode round = json(LocalStack.get("/api/migrations/" + id + "/verification")).at("/rounds/0/verification");
        assertThat(round.at("/result/probes").toString()).contains("Hello from PHP 8.2");
        assertThat(round.at("/comparisons").findValuesAsText("matches")).containsOnly("true");
    }

    @Test
    void phpInTheOfficialImageLayoutWithNginxAndSupervisordMigrates() throws Exception {
        String repository = "e2e/users/php-official";
        FixtureImages.push("php-official", LocalStack.REGISTRY + "/" + repository + ":1");

        JsonNode done = awaitFinal(migrationOf(repository));
        String id = done.get("id").asText();
        JsonNode analysis = json(LocalStack.get("/api/migrations/" + id + "/analysis"));
        assertThat(done.get("state").asText()).as(done + "\nanalysis plan: " + analysis.at("/plan")).isEqualTo("SUCCEEDED");
        assertThat(done.at("/results").findValuesAsText("reference")).containsExactlyInAnyOrder(
                LocalStack.REGISTRY + "/" + repository + ":1-distroless-php-fpm",
                LocalStack.REGISTRY + "/" + repository + ":1-distroless-nginx");
        // php-fpm's image carries the official layout: its ini, the docker-php-ext-*.ini and the extensions they load.
        String plan = analysis.at("/plan").toString();
        assertThat(plan).contains("/usr/local/sbin/php-fpm").contains("/usr/local/etc/php/conf.d/docker-php-ext-opcache.ini")
                .contains("/usr/local/lib/php/extensions/no-debug-non-zts-");
        JsonNode round = json(LocalStack.get("/api/migrations/" + id + "/verification")).at("/rounds/0/verification");
        assertThat(round.at("/result/probes").toString()).contains("Hello from PHP 8.2")
                .contains("/usr/local/etc/php/php.ini").contains("no-debug-non-zts-");
        assertThat(round.at("/comparisons").findValuesAsText("matches")).containsOnly("true");
    }

    private static String migrationOf(String repository) {
        List<JsonNode> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            found.clear();
            json(LocalStack.get("/api/migrations?limit=500&repository=" + repository)).get("migrations").forEach(found::add);
            return found.size() == 1;
        });
        return found.get(0).get("id").asText();
    }

    private static JsonNode awaitFinal(String id) {
        JsonNode[] last = new JsonNode[1];
        // Large images: pulling, reading and running them takes longer than the small fixtures.
        await().atMost(Duration.ofMinutes(6)).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<String> r = LocalStack.get("/api/migrations/" + id);
            last[0] = r.statusCode() == 200 ? json(r) : null;
            return last[0] != null && FINAL.contains(last[0].get("state").asText());
        });
        return last[0];
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }
}
