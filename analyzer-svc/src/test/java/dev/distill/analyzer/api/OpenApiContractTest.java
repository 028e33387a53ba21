package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's API table and the OpenAPI document at {@code /q/openapi} say the same: every endpoint and status code
 * in the table is in the document, and the other way round. Rows for {@code /q/…} (health, metrics) are outside the
 * document by design.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class OpenApiContractTest {

    private static final Pattern ENDPOINT = Pattern.compile("`(GET|POST|PUT|PATCH|DELETE) (/[^`\\s?]*)[^`]*`");
    private static final Pattern STATUS = Pattern.compile("`([1-5][0-9][0-9])`");
    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    @BeforeEach
    void noDefaultToken() {
        ApiTokens.useNone();
    }

    /** {@code METHOD path status} for every row of the README's API table. */
    static Set<String> readmeTable() throws Exception {
        Path readme = Path.of("..", "README.md");
        List<String> lines = Files.readAllLines(readme);
        int start = lines.indexOf("## API (analyzer-svc, http://127.0.0.1:8080)");
        assertThat(start).as("the README's API section").isNotNegative();
        Set<String> out = new TreeSet<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String line = lines.get(i);
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split("\\|", -1);
            Matcher endpoint = ENDPOINT.matcher(cells[1]);
            Set<String> codes = new TreeSet<>();
            for (Matcher m = STATUS.matcher(cells[2]); m.find(); ) {
                codes.add(m.group(1));
            }
            boolean any = false;
            while (endpoint.find()) {
                any = true;
                assertThat(codes).as("status codes of %s %s in the README", endpoint.group(1), endpoint.group(2)).isNotEmpty();
                codes.forEach(c -> out.add(endpoint.group(1) + " " + endpoint.group(2) + " " + c));
            }
            assertThat(any || cells[1].contains("/q/")).as("a README row that names no endpoint: %s", line).isTrue();
        }
        return out;
    }

    static Set<String> document(JsonNode openapi) {
        Set<String> out = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = openapi.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                op.getValue().get("responses").fieldNames().forEachRemaining(code ->
                        out.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey() + " " + code));
            }
        }
        return out;
    }

    @Test
    void theReadmesApiTableAndTheOpenApiDocumentListTheSameEndpointsAndStatusCodes() throws Exception {
        JsonNode openapi = new ObjectMapper().readTree(given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        Set<String> readme = readmeTable();
        Set<String> doc = document(openapi);
        assertThat(readme).as("in the README's API table, not in /q/openapi").isSubsetOf(doc);
        assertThat(doc).as("in /q/openapi, not in the README's API table").isSubsetOf(readme);
        assertThat(doc).contains("GET /api/migrations/{id}/events 200", "POST /api/migrations/{id}/cancel 409",
                "POST /api/migrations 401", "POST /api/migrations 403", "POST /api/registry/events 401");
    }

    @Test
    void theDocumentDescribesBodiesErrorsAndSecurity() throws Exception {
        JsonNode openapi = new ObjectMapper().readTree(given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        JsonNode post = openapi.at("/paths/~1api~1migrations/post");
        assertThat(post.at("/requestBody/content/application~1json/schema/$ref").asText()).endsWith("MigrationRequest");
        assertThat(post.at("/responses/400/content/application~1json/schema/$ref").asText()).endsWith("ApiError");
        assertThat(post.at("/security/0").has("apiToken")).isTrue();
        assertThat(openapi.at("/paths/~1api~1registry~1events/post/security/0").has("webhookSecret")).isTrue();
        assertThat(openapi.at("/components/schemas/MigrationDocument/properties").has("cancelled")).isTrue();
        assertThat(openapi.at("/components/securitySchemes/apiToken/scheme").asText()).isEqualTo("bearer");
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
