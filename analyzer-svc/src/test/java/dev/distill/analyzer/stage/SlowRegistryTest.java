package dev.distill.analyzer.stage;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.distill.analyzer.api.ApiTokens;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Platform;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.testing.TinyImage;
import dev.distill.engine.testing.TricklingRegistryFront;
import dev.distill.service.testing.KafkaBrokerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One image whose registry trickles its layer holds up no other migration: the analysis stage works on several at
 * once, and five small images are analysed while the slow one is still being read. When its registry then drops to
 * 1 byte per second, it ends FAILED below the minimum rate, naming the layer, the bytes done and the rate. (The test
 * profile measures the rate over 4 s; the 32 MiB layer first comes at up to 200 KiB/s, above the 16 KiB/s minimum, so the slow
 * migration stays in flight for as long as the test needs, however loaded the machine.)
 */
@QuarkusTest
@WithTestResource(KafkaBrokerResource.class)
class SlowRegistryTest {

    private static final Logger LOG = Logger.getLogger(SlowRegistryTest.class);
    private static final Set<String> ANALYSIS_ENDED = Set.of("ANALYZED", "BLOCKED", "FAILED", "NEEDS_REVIEW", "SUCCEEDED");

    private static LocalRegistry registry;
    private static TricklingRegistryFront front;
    private static Descriptor slowLayer;

    @BeforeAll
    static void start() throws Exception {
        registry = LocalRegistry.start();
        front = TricklingRegistryFront.start(registry.host());
        byte[] noise = new byte[32 << 20];
        new Random(7).nextBytes(noise);
        TinyImage slow = TinyImage.builder().platform(Platform.LINUX_AMD64).file("/noise", noise, 0644)
                .entrypoint("/noise").build();
        slow.push(registry.client(), registry.reference("trickle/slow:1"));
        slowLayer = slow.layerDescriptor();
        for (int i = 0; i < 15; i++) {
            TinyImage.builder().platform(Platform.LINUX_AMD64).file("/app/marker", "fast " + i + "\n")
                    .entrypoint("/app/marker").build().push(registry.client(), registry.reference("trickle/fast-" + i + ":1"));
        }
        front.trickle(slowLayer.digest(), 200 * 1024);
    }

    @AfterAll
    static void stop() throws Exception {
        front.close();
        registry.close();
    }

    private static String migrate(String repositoryAndTag) {
        return given().header("Authorization", ApiTokens.bearer(ApiTokens.OPERATOR)).contentType(ContentType.JSON).body("{\"image\":\"" + front.host() + "/" + repositoryAndTag + "\"}")
                .post("/api/migrations").then().statusCode(202).extract().jsonPath().getString("id");
    }

    private static JsonPath status(String id) {
        return given().header("Authorization", ApiTokens.bearer(ApiTokens.READER)).get("/api/migrations/" + id).then().statusCode(200).extract().jsonPath();
    }

    /** Migrates five small images and returns how long until all five were analysed. */
    private static Duration analyseFive(int first) {
        long start = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = first; i < first + 5; i++) {
            ids.add(migrate("trickle/fast-" + i + ":1"));
        }
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> ids.stream().allMatch(id -> ANALYSIS_ENDED.contains(status(id).getString("state"))));
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void fiveSmallImagesAreAnalysedWhileATricklingOneIsStillBeingReadThenItFailsBelowTheMinimumRate() {
        analyseFive(0);  // warms the service up, so that the next two are comparable
        Duration alone = analyseFive(5);

        String slowId = migrate("trickle/slow:1");
        await().atMost(Duration.ofSeconds(30)).until(() -> front.tricklesInProgress() == 1);
        Duration beside = analyseFive(10);
        // While it was read at a byte per second, the five went through: nothing waited for it.
        assertThat(status(slowId).getString("state")).isEqualTo("ANALYZING");
        assertThat(front.tricklesInProgress()).isEqualTo(1);
        LOG.infof("five small analyses: %d ms alone, %d ms beside the trickling one", alone.toMillis(), beside.toMillis());

        front.trickle(slowLayer.digest(), 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> status(slowId).getString("state").equals("FAILED"));
        String reason = status(slowId).getString("reasons[0]");
        assertThat(reason).contains(slowLayer.digest().toString())
                .contains("slower than the minimum of 16.0 KiB/s")
                .containsPattern("after [\\d.]+ [KM]iB of 32\\.0 MiB in [\\dhms.]+ \\([\\d.]+ (MiB|KiB|B)/s\\)");
        // The abandoned transfer closed its connection.
        await().atMost(Duration.ofSeconds(10)).until(() -> front.tricklesAbandoned() == 1);
        assertThat(front.tricklesInProgress()).isZero();
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
    }
}
