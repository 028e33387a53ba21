package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.distill.analyzer.config.ApiSettings;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tokens with scopes on the user API: 401 without a known token, 403 without the scope; the webhook keeps its secret. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class ApiAccessTest {

    private static final String UNKNOWN = "m-" + "0".repeat(24);

    @BeforeEach
    void noDefaultToken() {
        ApiTokens.useNone();
    }

    @Test
    void withoutAKnownTokenEveryUserEndpointAnswers401AndSaysHowToAuthenticate() {
        for (String path : List.of("/api/migrations", "/api/migrations/" + UNKNOWN, "/api/migrations/" + UNKNOWN + "/analysis",
                "/api/migrations/" + UNKNOWN + "/wiring/compose", "/api/migrations/events")) {
            given().get(path).then().statusCode(401).header("WWW-Authenticate", containsString("Bearer"))
                    .body("error", equalTo("unauthorized"));
            given().header("Authorization", "Bearer not-a-token").get(path).then().statusCode(401);
        }
        given().contentType(ContentType.JSON).body("{\"image\":\"127.0.0.1:1/a/b:1\"}").post("/api/migrations")
                .then().statusCode(401);
        given().header("Authorization", "Basic dGVzdDp0ZXN0").post("/api/migrations/" + UNKNOWN + "/cancel")
                .then().statusCode(401);
    }

    @Test
    void aTokenWithoutTheNeededScopeAnswers403AndOneWithItGoesThrough() {
        String reader = ApiTokens.bearer(ApiTokens.READER);
        String writer = ApiTokens.bearer(ApiTokens.WRITER);
        given().header("Authorization", reader).get("/api/migrations").then().statusCode(200);
        given().header("Authorization", reader).get("/api/migrations/" + UNKNOWN).then().statusCode(404);
        given().header("Authorization", reader).contentType(ContentType.JSON).body("{\"image\":\"127.0.0.1:1/a/b:1\"}")
                .post("/api/migrations").then().statusCode(403)
                .body("error", equalTo("forbidden"))
                .body("message", containsString("'test-reader' lacks the write scope"));
        given().header("Authorization", reader).post("/api/migrations/" + UNKNOWN + "/cancel").then().statusCode(403);
        given().header("Authorization", reader).post("/api/migrations/" + UNKNOWN + "/attempts").then().statusCode(403);
        given().header("Authorization", writer).get("/api/migrations").then().statusCode(403)
                .body("message", containsString("read scope"));
        given().header("Authorization", writer).post("/api/migrations/" + UNKNOWN + "/cancel").then().statusCode(404);
    }

    @Test
    void theWebhookKeepsItsOwnSecretAndTheUiAndTheDocumentStayOpen() {
        given().header("Authorization", ApiTokens.bearer(ApiTokens.OPERATOR)).contentType(ContentType.JSON)
                .body("{\"events\":[]}").post("/api/registry/events").then().statusCode(401);
        given().header("Authorization", "Bearer test-secret").contentType(ContentType.JSON)
                .body("{\"events\":[]}").post("/api/registry/events").then().statusCode(200);
        given().get("/").then().statusCode(200).contentType(containsString("text/html"));
        given().get("/q/openapi").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }

    @Test
    void badTokenSettingsStopTheServiceWithTheTokensNameNeverItsHash() {
        assertThatThrownBy(() -> new ApiAccess(true, Map.of("ci", token("abc", "read"))))
                .hasMessageContaining("token 'ci'").hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> new ApiAccess(true, Map.of("ci", token("a".repeat(64), "admin"))))
                .hasMessageContaining("scope 'admin'");
        assertThatThrownBy(() -> new ApiAccess(true, Map.of("ci", token("a".repeat(64)))))
                .hasMessageContaining("no scopes");
    }

    private static ApiSettings.Token token(String sha256, String... scopes) {
        return new ApiSettings.Token() {
            @Override
            public String sha256() {
                return sha256;
            }

            @Override
            public List<String> scopes() {
                return List.of(scopes);
            }
        };
    }
}
