package dev.distill.e2e;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The status API as the e2e classes use it: migrations of a repository, and waiting for a final state. */
final class Migrations {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> FINAL = Set.of("SUCCEEDED", "NEEDS_REVIEW", "BLOCKED", "FAILED", "CANCELLED");

    private Migrations() {
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** The migrations of one repository, newest first. */
    static List<JsonNode> of(String repository) {
        return toList(json(LocalStack.get("/api/migrations?limit=500&repository=" + repository)).get("migrations"));
    }

    static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    /** Waits up to three minutes for the migration to reach a final state and returns its document. */
    static JsonNode awaitFinal(String id) {
        return awaitFinal(id, Duration.ofSeconds(180));
    }

    /** Waits up to {@code atMost} for the migration to reach a final state and returns its document. */
    static JsonNode awaitFinal(String id, Duration atMost) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(atMost).pollInterval(Duration.ofMillis(300)).until(() -> {
            HttpResponse<String> r = LocalStack.get("/api/migrations/" + id);
            last[0] = r.statusCode() == 200 ? json(r) : null;
            return last[0] != null && FINAL.contains(last[0].get("state").asText());
        });
        return last[0];
    }
}
