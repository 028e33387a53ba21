package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.pipeline.testing.SseClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * People watching a real migration: a Server-Sent Events client follows it from push to verdict across a dropped
 * connection (reconnecting with {@code Last-Event-ID}), and headless Chromium loads the web UI's pages of it and shows
 * what a person would read there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedStack.class)
class WatchingMigrationsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LONG = Duration.ofSeconds(240);
    private static final String REPOSITORY = "e2e-watch/app";

    /** The migration the tests watch, once the first has found it. */
    private static String id;

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static Map<String, String> reader(String lastEventId) {
        String bearer = "Bearer " + LocalStack.token("reader");
        return lastEventId == null ? Map.of("Authorization", bearer)
                : Map.of("Authorization", bearer, "Last-Event-ID", lastEventId);
    }

    @Test
    @Order(1)
    void aClientFollowsAPushToItsVerdictLiveAndAfterADroppedConnectionMissesNothing() throws Exception {
        try (SseClient all = SseClient.connect(LocalStack.API + "/api/migrations/events?repository=" + REPOSITORY, reader(null))) {
            assertThat(all.status()).isEqualTo(200);
            // The musl fixture: a program, its library, a plugin it dlopen()s, and busybox as a shell to leave behind.
            FixtureImages.push("musl-plugin", ImageReference.parse(LocalStack.REGISTRY + "/" + REPOSITORY + ":1").toString());
            SseClient.Event requested = all.until(e -> e.name().equals("requested"), Duration.ofSeconds(60)).get(0);
            id = json(requested.data()).get("migrationId").asText();
        }

        List<SseClient.Event> first = new ArrayList<>();
        String lastSeen;
        try (SseClient sse = SseClient.connect(LocalStack.API + "/api/migrations/" + id + "/events", reader(null))) {
            assertThat(sse.status()).isEqualTo(200);
            // Drop the connection once the analysis has reported how far it read, as a flaky network would.
            first.addAll(sse.until(e -> e.name().equals("progress") || e.name().equals("stage-ended"), LONG));
            lastSeen = first.get(first.size() - 1).id();
        }
        List<SseClient.Event> second;
        try (SseClient sse = SseClient.connect(LocalStack.API + "/api/migrations/" + id + "/events", reader(lastSeen))) {
            second = sse.until(e -> e.name().equals("verdict"), LONG);
            assertThat(sse.awaitEnd(Duration.ofSeconds(30))).as("the stream ends after the final state").isTrue();
        }

        // Nothing twice, nothing before what the client had seen, and the whole story between the two connections.
        List<String> ids = new ArrayList<>();
        first.forEach(e -> ids.add(e.id()));
        second.forEach(e -> ids.add(e.id()));
        assertThat(new HashSet<>(ids)).hasSameSizeAs(ids);
        long lastMillis = Long.parseLong(lastSeen.substring(0, lastSeen.indexOf('-')));
        assertThat(second).allSatisfy(e -> assertThat(Long.parseLong(e.id().substring(0, e.id().indexOf('-'))))
                .isGreaterThanOrEqualTo(lastMillis));
        List<JsonNode> updates = new ArrayList<>();
        first.forEach(e -> updates.add(json(e.data())));
        second.forEach(e -> updates.add(json(e.data())));
        Set<String> started = new HashSet<>();
        Set<String> progressed = new HashSet<>();
        for (JsonNode u : updates) {
            if (u.get("kind").asText().equals("stage-started")) {
                started.add(u.get("stage").asText());
            }
            if (u.get("kind").asText().equals("progress")) {
                progressed.add(u.get("stage").asText() + ":" + u.get("step").asText());
            }
        }
        assertThat(started).contains("ANALYZE", "BUILD", "VERIFY");
        // Numbers from inside each stage: layers and bytes read, files carried, the runs and their probes.
        assertThat(progressed).contains("ANALYZE:read-layers", "BUILD:assemble", "VERIFY:run");
        JsonNode layers = updates.stream().filter(u -> u.path("step").asText().equals("read-layers"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(layers.toString()).contains("\"name\":\"bytes\"").contains("\"name\":\"layers\"");
        JsonNode verdict = updates.get(updates.size() - 1);
        assertThat(verdict.get("kind").asText()).isEqualTo("verdict");
        assertThat(verdict.get("outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(verdict.get("state").asText()).isEqualTo("SUCCEEDED");

        // Reconnecting after the end: 204, so a browser's EventSource stops trying.
        try (SseClient sse = SseClient.connect(LocalStack.API + "/api/migrations/" + id + "/events",
                reader(second.get(second.size() - 1).id()))) {
            assertThat(sse.status()).isEqualTo(204);
        }
    }

    @Test
    @Order(2)
    void theWebUiShowsTheMigrationsStateVerdictSizesAndTheShellItRemovedOnADesktopAndAPhone() throws Exception {
        assertThat(id).as("the migration of the first test").isNotNull();
        JsonNode migration = json(LocalStack.get("/api/migrations/" + id).body());
        assertThat(migration.get("state").asText()).isEqualTo("SUCCEEDED");
        Path shots = LocalStack.root().resolve("e2e-tests/target/screenshots");
        Files.createDirectories(shots);
        String token = LocalStack.token("reader");
        try (Chromium chromium = Chromium.start(shots.resolve("chromium.log"))) {
            // The list: signed in through the URL fragment (which never reaches the server), filtered to the repository.
            chromium.open(LocalStack.API + "/?repository=" + REPOSITORY + "#token=" + token, 1280, 900, false);
            chromium.waitFor("document.querySelector('tr[data-id=\"" + id + "\"]')", Duration.ofSeconds(30));
            assertThat(chromium.text("tr[data-id=\"" + id + "\"]")).contains("SUCCEEDED").contains(REPOSITORY);
            assertThat(chromium.eval("location.hash").asText()).isEmpty();
            chromium.waitFor("document.querySelector('.live').dataset.on === 'true'", Duration.ofSeconds(30));
            chromium.screenshot(shots.resolve("migrations-desktop.png"));

            // The migration page, from the list's link.
            chromium.eval("document.querySelector('tr[data-id=\"" + id + "\"] a').click()");
            chromium.waitFor("document.querySelector('[data-field=removed]') && document.querySelector('#files tbody tr')",
                    Duration.ofSeconds(30));
            assertThat(chromium.text("[data-field=state]")).isEqualTo("SUCCEEDED");
            assertThat(chromium.text("[data-field=verdict]")).isEqualTo("SUCCEEDED");
            JsonNode result = migration.get("result");
            assertThat(chromium.eval("document.querySelector('[data-field=source-size]').dataset.bytes").asLong())
                    .isEqualTo(result.get("sourceSize").asLong());
            assertThat(chromium.eval("document.querySelector('[data-field=result-size]').dataset.bytes").asLong())
                    .isEqualTo(result.get("resultSize").asLong());
            assertThat(chromium.text("[data-field=source-size]")).matches("[0-9.]+ (B|KiB|MiB|GiB)");
            assertThat(chromium.eval("document.querySelector('#size-chart svg').getAttribute('aria-label')").asText())
                    .startsWith("Sizes: Source image");
            // The shell the result does without, named as such.
            assertThat(chromium.eval("[...document.querySelectorAll('#removed li')].map(li => li.innerText).join('\\n')")
                    .asText()).containsPattern("(?i)shell\\s+/bin/busybox");
            assertThat(chromium.text("#probes")).contains("passed");
            // The surface removed in packages (the fixture has apk's database), as the verdict counts it.
            JsonNode surface = result.path("packageSurface");
            assertThat(surface.path("manager").asText()).as("the source's package database").isNotIn("", "NONE");
            assertThat(chromium.text("#packages")).contains(surface.get("packagesRemoved").asInt() + " of the source's "
                    + surface.get("sourcePackages").asInt());
            // The plan's carried files, searchable.
            int files = chromium.eval("document.querySelectorAll('#files tbody tr').length").asInt();
            chromium.eval("const s = document.getElementById('file-search'); s.value = 'ld-musl';"
                    + " s.dispatchEvent(new Event('input'))");
            assertThat(chromium.eval("document.querySelectorAll('#files tbody tr:not([hidden])').length").asInt())
                    .isPositive().isLessThan(files);
            // Every control has a name a screen reader can say.
            assertThat(chromium.eval("[...document.querySelectorAll('button, input, select')].filter(e => !(e.labels"
                    + " && e.labels.length) && !e.getAttribute('aria-label') && !e.innerText.trim()).length").asInt()).isZero();
            assertThat(chromium.text("#wiring-section")).contains("Download Kubernetes YAML");
            chromium.screenshot(shots.resolve("migration-desktop.png"));

            // A phone: one column, tables as cards, nothing wider than the screen.
            chromium.open(LocalStack.API + "/migration.html?id=" + id, 390, 844, true);
            chromium.waitFor("document.querySelector('[data-field=verdict]')", Duration.ofSeconds(30));
            // A phone browser would zoom out to fit a page wider than the screen: nothing may reach past its 390 px.
            assertThat(chromium.eval("document.documentElement.scrollWidth").asInt()).as("the page's width on a phone")
                    .isLessThanOrEqualTo(390);
            assertThat(chromium.eval("getComputedStyle(document.querySelector('#probes tbody tr')).display").asText())
                    .isEqualTo("block");
            chromium.screenshot(shots.resolve("migration-phone.png"));
        }
        assertThat(shots.resolve("migration-desktop.png")).isNotEmptyFile();
    }
}
