package dev.distill.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.engine.image.Platform;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.TinyImage;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** What the e2e tests do with migrations through the stack's API: small images to push, lists, waiting for the end. */
final class Migrations {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> FINAL = Set.of("SUCCEEDED", "NEEDS_REVIEW", "BLOCKED", "FAILED");

    /** Pushes as a user's tool would; Distill's own user agent would (rightly) be ignored by the webhook. */
    static final RegistryClient USER = RegistryClient.builder().userAgent("e2e-user-push/1.0").build();

    private Migrations() {
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** A small migratable image: Debian's static busybox serving a page; {@code marker} makes its digest unique. */
    static TinyImage image(String marker) {
        try {
            return TinyImage.builder().platform(Platform.LINUX_AMD64)
                    .file("/bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755)
                    .file("/srv/www/index.html", marker + "\n")
                    .entrypoint("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/srv/www")
                    .user("65534").exposedPort("8080/tcp").build();
        } catch (IOException e) {
            throw new AssertionError("the e2e images use /bin/busybox from busybox-static", e);
        }
    }

    static List<JsonNode> of(String repository) {
        List<JsonNode> out = new ArrayList<>();
        json(LocalStack.get("/api/migrations?limit=500&repository=" + repository)).get("migrations").forEach(out::add);
        return out;
    }

    static JsonNode get(String id) {
        HttpResponse<String> r = LocalStack.get("/api/migrations/" + id);
        return r.statusCode() == 200 ? json(r) : null;
    }

    static String state(String id) {
        JsonNode m = get(id);
        return m == null ? "UNKNOWN" : m.get("state").asText();
    }

    static JsonNode awaitFinal(String id, Duration atMost) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(atMost).pollInterval(Duration.ofMillis(300)).until(() -> {
            last[0] = get(id);
            return last[0] != null && FINAL.contains(last[0].get("state").asText());
        });
        return last[0];
    }
}
