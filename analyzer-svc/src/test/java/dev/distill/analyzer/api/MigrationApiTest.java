package dev.distill.analyzer.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;

import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import dev.distill.events.MigrationRequested;
import dev.distill.events.StageFailed;
import dev.distill.service.testing.KafkaBrokerResource;
import dev.distill.pipeline.testing.EventLog;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The migrations API and the analysis stage, against a real broker and a real docker-registry. */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class MigrationApiTest {

    @BeforeEach
    void operatorToken() {
        ApiTokens.useOperator();
    }

    private static LocalRegistry registry;
    private static Digest pushedDigest;

    @BeforeAll
    static void startRegistry() throws Exception {
        registry = LocalRegistry.start();
        pushedDigest = TinyImage.sample(Platform.LINUX_AMD64).push(registry.client(), registry.reference("demo/app:1"));
        TinyImage.sample(Platform.LINUX_AMD64).push(registry.client(), registry.reference("demo/tagged:1"));
    }

    @AfterAll
    static void stopRegistry() {
        registry.close();
    }

    private static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    private static Response post(String json) {
        return given().contentType(ContentType.JSON).body(json).post("/api/migrations");
    }

    private static JsonPath awaitFinal(String id) {
        JsonPath[] last = new JsonPath[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = given().get("/api/migrations/" + id).then().statusCode(200).extract().jsonPath();
            return java.util.Set.of("SUCCEEDED", "NEEDS_REVIEW", "BLOCKED", "FAILED").contains(last[0].getString("state"));
        });
        return last[0];
    }

    @Test
    void aTagIsResolvedRecordedAndTheMigrationEndsHonestlyWhereTheAnalysisIsNotBuiltYet() {
        String image = registry.host() + "/demo/tagged:1";
        Response created = post("{\"image\":\"" + image + "\"}");
        created.then().statusCode(202).header("Location", matchesPattern(".*/api/migrations/m-[0-9a-f]{24}"))
                .body("created", equalTo(true));
        String id = created.jsonPath().getString("id");

        // The status is queryable at once: the intake waited for its own event.
        given().get("/api/migrations/" + id).then().statusCode(200)
                .body("source.image", equalTo(image))
                .body("source.digest", equalTo(pushedDigest.toString()))
                .body("source.trigger", equalTo("api"));

        JsonPath done = awaitFinal(id);
        // The sample's entrypoint is a /bin/sh script in an image without /bin/sh: nothing can run it.
        assertThat(done.getString("state")).isEqualTo("BLOCKED");
        assertThat(done.getString("reasons[0]")).contains("cannot be migrated");
        assertThat(done.getString("reports.analyze.classification")).isEqualTo("BLOCKED");
        assertThat(done.getString("resolved.manifestDigest")).isEqualTo(pushedDigest.toString());
        assertThat(done.getList("resolved.layers")).hasSize(1);
        assertThat(done.getList("resolved.config.entrypoint")).containsExactly("/app/hello.sh");
        assertThat(done.getString("resolved.config.user")).isEqualTo("65532:65532");
        assertThat(done.getList("resolved.config.exposedPorts")).containsExactly("8080/tcp");
        assertThat(done.getString("resolved.config.workingDir")).isEqualTo("/app");
        assertThat(done.getString("stages[0].stage")).isEqualTo("analyze");
        assertThat(done.getString("stages[0].startedAt")).isNotNull();
        assertThat(done.getString("stages[0].endedAt")).isNotNull();
        assertThat(done.getString("stages[0].outcome")).isEqualTo("BLOCKED");
        // The full report is served even for a blocked migration.
        JsonPath analysis = given().get("/api/migrations/" + id + "/analysis").then().statusCode(200).extract().jsonPath();
        assertThat(analysis.getString("classification")).isEqualTo("BLOCKED");
        assertThat(analysis.getString("subject.digest")).isEqualTo(pushedDigest.toString());
        assertThat(analysis.getList("binaries")).isEmpty();
        assertThat(analysis.getList("plan.blockers")).isNotEmpty();
        assertThat(done.getString("stages[1].startedAt")).isNull();
    }

    @Test
    void aMigratableImageIsAnalysedAndHandedOnWithItsPlanAndEveryElfFileInTheReport() throws Exception {
        ImageReference ref = registry.reference("demo/static:1");
        TinyImage.builder().platform(Platform.LINUX_AMD64)
                .file("/bin/busybox", java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/bin/busybox")), 0755)
                .file("/srv/www/index.html", "hello\n")
                .entrypoint("/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/srv/www")
                .user("65532").exposedPort("8080/tcp").build()
                .push(registry.client(), ref);
        String id = post("{\"image\":\"" + ref + "\"}").then().statusCode(202).extract().jsonPath().getString("id");
        await().atMost(Duration.ofSeconds(60)).until(() ->
                "ANALYZED".equals(given().get("/api/migrations/" + id).jsonPath().getString("state")));
        JsonPath view = given().get("/api/migrations/" + id).jsonPath();
        assertThat(view.getString("reports.analyze.classification"))
                .as("%s", given().get("/api/migrations/" + id + "/analysis").jsonPath().getList("plan.warnings"))
                .isEqualTo("MIGRATABLE");
        assertThat(view.getString("reports.analyze.location")).startsWith(registry.host() + "/distill/reports@sha256:");

        JsonPath analysis = given().get("/api/migrations/" + id + "/analysis").then().statusCode(200)
                .contentType("application/json").extract().jsonPath();
        assertThat(analysis.getList("binaries.path")).containsExactly("/bin/busybox");
        assertThat(analysis.getString("binaries[0].loader")).isEqualTo("STATIC");
        assertThat(analysis.getList("binaries[0].needed")).isEmpty();
        assertThat(analysis.getList("plan.programs.name")).containsExactly("busybox");
        assertThat(analysis.getList("plan.programs[0].command")).containsExactly("/bin/busybox", "httpd", "-f", "-p",
                "8080", "-h", "/srv/www");
        assertThat(analysis.getString("plan.programs[0].base.base")).isEqualTo("STATIC");
        assertThat(EventLog.of(bootstrap(), id)).filteredOn(e -> e instanceof dev.distill.events.ImageAnalyzed).hasSize(1);
    }

    @Test
    void anAnalysisOfAnUnknownOrUnfinishedMigrationAnswers404WithWhy() {
        given().get("/api/migrations/m-000000000000000000000000/analysis").then().statusCode(404)
                .body("error", equalTo("unknown-migration"));
        String id = post("{\"image\":\"127.0.0.1:1/demo/none:1\"}").jsonPath().getString("id");
        awaitFinal(id);
        given().get("/api/migrations/" + id + "/analysis").then().statusCode(404)
                .body("message", containsString("ended before the analysis finished"));
    }

    @Test
    void theSameDigestAskedTwiceReportsTheExistingMigration() {
        String image = registry.host() + "/demo/app@" + pushedDigest;
        String first = post("{\"image\":\"" + image + "\"}").then().statusCode(202).extract().jsonPath().getString("id");
        post("{\"image\":\"" + image + "\"}").then().statusCode(200)
                .body("id", equalTo(first)).body("created", equalTo(false));
        // The tag that points at the same digest is the same migration too.
        post("{\"image\":\"" + registry.host() + "/demo/app:1\"}").then().body("id", equalTo(first));
        // Other options are another migration.
        String arm = post("{\"image\":\"" + image + "\",\"platform\":\"linux/arm64\"}").then().statusCode(202)
                .extract().jsonPath().getString("id");
        assertThat(arm).isNotEqualTo(first);

        assertThat(EventLog.of(bootstrap(), first)).filteredOn(e -> e instanceof MigrationRequested).hasSize(1);
    }

    @Test
    void anUnknownTagEndsFailedWithTheReason() {
        String id = post("{\"image\":\"" + registry.host() + "/demo/app:does-not-exist\"}").then().statusCode(202)
                .extract().jsonPath().getString("id");
        JsonPath done = awaitFinal(id);
        assertThat(done.getString("state")).isEqualTo("FAILED");
        assertThat(done.getString("reasons[0]")).contains("does-not-exist");
    }

    @Test
    void anUnreachableRegistryEndsFailedWithTheReasonAndTheServiceStaysHealthy() {
        String id = post("{\"image\":\"127.0.0.1:1/demo/app:1\"}").then().statusCode(202).extract().jsonPath().getString("id");
        JsonPath done = awaitFinal(id);
        assertThat(done.getString("state")).isEqualTo("FAILED");
        assertThat(done.getString("reasons[0]")).contains("127.0.0.1:1").contains("unreachable");
        assertThat(EventLog.of(bootstrap(), id)).filteredOn(e -> e instanceof StageFailed).hasSize(1);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void anIndexResolvesToTheRequestedPlatformAndAMissingPlatformFails() throws Exception {
        ImageReference ref = registry.reference("demo/multi:1");
        TinyImage.pushIndex(registry.client(), ref, TinyImage.sample(Platform.LINUX_AMD64),
                TinyImage.sample(Platform.parse("linux/arm64")));
        String amd = post("{\"image\":\"" + ref + "\"}").jsonPath().getString("id");
        assertThat(awaitFinal(amd).getString("resolved.platform")).isEqualTo("linux/amd64");
        String arm = post("{\"image\":\"" + ref + "\",\"platform\":\"linux/arm64\"}").jsonPath().getString("id");
        assertThat(awaitFinal(arm).getString("resolved.platform")).isEqualTo("linux/arm64");
        String s390 = post("{\"image\":\"" + ref + "\",\"platform\":\"linux/s390x\"}").jsonPath().getString("id");
        JsonPath missing = awaitFinal(s390);
        assertThat(missing.getString("state")).isEqualTo("FAILED");
        assertThat(missing.getString("reasons[0]")).contains("linux/s390x");
    }

    @Test
    void aPlainCurlDashDBodyIsReadAsJsonWhateverItsContentType() {
        // `curl -d '{...}'` sends application/x-www-form-urlencoded; the README's command must still work.
        given().contentType("application/x-www-form-urlencoded")
                .body("{\"image\":\"" + registry.host() + "/demo/app@" + pushedDigest + "\"}")
                .post("/api/migrations").then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(200), equalTo(202)))
                .body("id", matchesPattern("m-[0-9a-f]{24}"));
    }

    @Test
    void badRequestsAnswer400WithWhatIsWrong() {
        post("not json").then().statusCode(400).body("error", equalTo("malformed-json"));
        post("").then().statusCode(400).body("message", containsString("JSON object"));
        post("[1,2]").then().statusCode(400).body("message", containsString("JSON object"));
        post("{}").then().statusCode(400).body("message", containsString("'image' is required"));
        post("{\"image\":42}").then().statusCode(400).body("error", equalTo("missing-image"));
        post("{\"image\":\"Demo/App:1\"}").then().statusCode(400).body("message", containsString("Demo/App"));
        post("{\"image\":\"h:5000/a@sha256:zz\"}").then().statusCode(400).body("message", containsString("sha256:zz"));
        post("{\"image\":\"h:5000/a:1\",\"platform\":\"amd64\"}").then().statusCode(400).body("message", containsString("amd64"));
        post("{\"image\":\"h:5000/a:1\",\"platform\":7}").then().statusCode(400).body("error", equalTo("invalid-platform"));
    }

    @Test
    void statusQueriesFilterAndAnswerClearly() {
        String id = post("{\"image\":\"" + registry.host() + "/demo/listed@" + pushedDigest + "\"}").jsonPath().getString("id");
        given().get("/api/migrations?repository=demo/listed").then().statusCode(200)
                .body("migrations.id", hasItem(id)).body("count", equalTo(1));
        given().get("/api/migrations?repository=" + registry.host() + "/demo/listed&limit=1").then().statusCode(200)
                .body("migrations[0].id", equalTo(id));
        awaitFinal(id);
        given().get("/api/migrations?state=failed&limit=500").then().statusCode(200).body("migrations.id", hasItem(id));
        given().get("/api/migrations?state=SUCCEEDED&repository=demo/listed").then().statusCode(200).body("count", equalTo(0));
        given().get("/api/migrations?state=DONE").then().statusCode(400).body("message", containsString("DONE"));
        given().get("/api/migrations?limit=0").then().statusCode(400).body("message", containsString("'0'"));
        given().get("/api/migrations?limit=x").then().statusCode(400).body("error", equalTo("invalid-limit"));
        given().get("/api/migrations/m-000000000000000000000000").then().statusCode(404)
                .body("error", equalTo("unknown-migration"));
    }
}
