package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.TinyImage;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationRequested;
import dev.distill.events.MigrationVerified;
import dev.distill.events.StageFailed;
import dev.distill.pipeline.testing.EventLog;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The whole local stack as processes: real Kafka (KRaft, from Maven Central jars), Debian's docker-registry
 * with its notifications pointed at the webhook, and the three packaged services.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedStack.class)
class LocalStackIT {

    private static final RegistryClient USER = E2eImages.USER;

    private static JsonNode json(HttpResponse<String> response) {
        return Migrations.json(response);
    }

    private static TinyImage image(String marker) {
        return E2eImages.httpServer(marker);
    }

    private static List<JsonNode> migrationsOf(String repository) {
        return Migrations.of(repository);
    }

    private static JsonNode awaitFinal(String id) {
        return Migrations.awaitFinal(id);
    }

    @Test
    @Order(1)
    void aPushIsAnalysedBuiltVerifiedAndReportedThroughTheWholePipeline() throws Exception {
        // The musl fixture: a greeter, its own library and a plugin it dlopen()s, busybox as the shell.
        ImageReference ref = ImageReference.parse(LocalStack.REGISTRY + "/e2e/app:1");
        FixtureImages.push("musl-plugin", ref.toString());
        Digest digest = USER.headDigest(ref);

        await().atMost(Duration.ofSeconds(60)).until(() -> migrationsOf("e2e/app").size() == 1);
        JsonNode migration = migrationsOf("e2e/app").get(0);
        assertThat(migration.at("/source/trigger").asText()).isEqualTo("webhook:distribution");
        assertThat(migration.at("/source/digest").asText()).isEqualTo(digest.toString());
        assertThat(migration.at("/source/tag").asText()).isEqualTo("1");

        String id = migration.get("id").asText();
        JsonNode done = awaitFinal(id);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.findValues("outcome")).extracting(JsonNode::asText).containsOnly("SUCCEEDED");
        assertThat(done.at("/resolved/manifestDigest").asText()).isEqualTo(digest.toString());
        assertThat(done.at("/results/0/reference").asText()).isEqualTo(LocalStack.REGISTRY + "/e2e/app:1-distroless");

        // The result: in the registry under its tag, on the static base with the musl loader, without the shell.
        ResolvedImage result = USER.resolve(ImageReference.parse(LocalStack.REGISTRY + "/e2e/app:1-distroless"),
                Platform.LINUX_AMD64);
        assertThat(result.manifestDigest().toString()).isEqualTo(done.at("/results/0/digest").asText());
        LayeredFileSystem fs = LayeredFileSystem.build(result, USER, LayerLimits.defaults());
        assertThat(fs.entry("/lib/ld-musl-x86_64.so.1")).isPresent();
        assertThat(fs.entry("/bin/sh")).isEmpty();
        assertThat(fs.entry("/bin/busybox")).isEmpty();
        assertThat(fs.entry("/etc/os-release")).isPresent();
        assertThat(result.imageConfig().user()).isEqualTo("65532:65532");
        JsonNode build = json(LocalStack.get("/api/migrations/" + id + "/build"));
        assertThat(build.at("/images/0/base").asText()).isEqualTo(LocalStack.REGISTRY + "/distill/static:nonroot");
        assertThat(build.at("/leftBehind/items").findValuesAsText("path")).contains("/bin/busybox");
        // The loader's package, recorded in apk's database; busybox's is not (its files stay behind); and the SBOM.
        assertThat(new String(fs.read(fs.entry("/lib/apk/db/installed").orElseThrow(), 1 << 16),
                java.nio.charset.StandardCharsets.UTF_8)).contains("P:musl\n").doesNotContain("P:busybox\n");
        HttpResponse<String> sbom = LocalStack.get("/api/migrations/" + id + "/sbom");
        assertThat(sbom.statusCode()).as(sbom.body()).isEqualTo(200);
        assertThat(sbom.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/vnd.cyclonedx+json"));
        assertThat(json(sbom).at("/metadata/component/version").asText()).isEqualTo(result.manifestDigest().toString());
        assertThat(json(sbom).path("components").findValuesAsText("purl")).anyMatch(p -> p.startsWith("pkg:apk/alpine/musl@"))
                .anyMatch(p -> p.startsWith("pkg:deb/debian/base-files@"));
        assertThat(new org.cyclonedx.parsers.JsonParser().validate(sbom.body().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                org.cyclonedx.Version.VERSION_16)).as("CycloneDX 1.6 schema").isEmpty();
        // Found as a scanner finds it on docker-registry 2.8, which has no referrers API: the sha256-<hex> tag's index.
        JsonNode referrers = Migrations.JSON.readTree(USER.manifestIfExists(ImageReference.parse(LocalStack.REGISTRY + "/e2e/app:sha256-"
                + result.manifestDigest().hex())).orElseThrow());
        assertThat(referrers.path("manifests").findValuesAsText("artifactType"))
                .containsExactlyInAnyOrder("application/vnd.cyclonedx+json", "application/spdx+json");
        HttpResponse<String> kubernetes = LocalStack.get("/api/migrations/" + id + "/wiring/kubernetes");
        assertThat(kubernetes.statusCode()).isEqualTo(200);
        assertThat(kubernetes.body()).contains("kind: Deployment").contains("@" + result.manifestDigest());

        // The verdict, with its evidence, on the status API and in the verification report.
        // This source is tiny: its result (the static base, 3 MiB of time zones and certificates, plus the
        // program) is not smaller; the debian-php fixture's is (docs/benchmarks.md).
        assertThat(done.at("/result/sourceSize").asLong()).isPositive();
        assertThat(done.at("/result/resultSize").asLong()).isPositive();
        assertThat(done.at("/result/surfaceRemoved").toString()).contains("/bin/busybox");
        assertThat(done.at("/result/evidence/probes").toString()).contains("8080");
        assertThat(done.at("/result/evidence/structureTests/failed").asInt()).isZero();
        JsonNode verification = json(LocalStack.get("/api/migrations/" + id + "/verification"));
        assertThat(verification.at("/outcome").asText()).isEqualTo("SUCCEEDED");
        assertThat(verification.at("/rounds/0/verification/result/probes").toString()).contains("HELLO FROM THE PLUGIN");
        JsonNode analysis = json(LocalStack.get("/api/migrations/" + id + "/analysis"));
        assertThat(analysis.get("classification").asText()).isEqualTo("MIGRATABLE");

        // The user-facing API finds the same migration for the same image instead of starting another.
        HttpResponse<String> again = LocalStack.post("/api/migrations", "{\"image\":\"" + ref + "\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("id").asText()).isEqualTo(migration.get("id").asText());
        assertThat(again.headers().firstValue("Location")).hasValueSatisfying(l -> l.endsWith(migration.get("id").asText()));
    }

    @Test
    @Order(2)
    void theSeedApplicationBecomesAPodOfPhpFpmAndNginxThatAnswersLikeItsSource() throws Exception {
        // php-fpm + nginx under supervisord (Python), a shell entrypoint: the application Distill exists for.
        ImageReference ref = ImageReference.parse(LocalStack.REGISTRY + "/e2e/php:1");
        FixtureImages.push("debian-php", ref.toString());

        await().atMost(Duration.ofSeconds(60)).until(() -> migrationsOf("e2e/php").size() == 1);
        String id = migrationsOf("e2e/php").get(0).get("id").asText();
        JsonNode done = awaitFinal(id);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.at("/results").findValuesAsText("reference")).containsExactlyInAnyOrder(
                LocalStack.REGISTRY + "/e2e/php:1-distroless-php-fpm", LocalStack.REGISTRY + "/e2e/php:1-distroless-nginx");
        assertThat(done.at("/result/surfaceRemoved").toString()).contains("/bin/bash").contains("/usr/bin/apt");
        assertThat(done.at("/result/resultSize").asLong()).isLessThan(done.at("/result/sourceSize").asLong());
        // The surface removed in packages: most of the source's packages are gone, php-fpm's and nginx's remain.
        JsonNode packages = done.at("/result/packageSurface");
        assertThat(packages.path("manager").asText()).isEqualTo("DPKG");
        assertThat(packages.path("sourcePackages").asInt()).isEqualTo(127);
        assertThat(packages.path("packagesRemoved").asInt()).isGreaterThan(80);
        assertThat(packages.path("remaining").findValuesAsText("name")).contains("php8.2-fpm", "nginx")
                .doesNotContain("bash", "apt", "supervisor");
        // Each result holds its packages' records (or the real distroless base's, for the same version), and its SBOM.
        JsonNode build = json(LocalStack.get("/api/migrations/" + id + "/build"));
        assertThat(build.at("/images").findValuesAsText("record")).allMatch(r -> r.startsWith("/var/lib/dpkg/status.d/")
                || r.startsWith("recorded by the base"));
        HttpResponse<String> choose = LocalStack.get("/api/migrations/" + id + "/sbom");
        assertThat(choose.statusCode()).isEqualTo(400);
        assertThat(choose.body()).contains("?program=");
        HttpResponse<String> sbom = LocalStack.get("/api/migrations/" + id + "/sbom?program=php-fpm");
        assertThat(sbom.statusCode()).as(sbom.body()).isEqualTo(200);
        assertThat(json(sbom).path("components").findValuesAsText("purl"))
                .anyMatch(p -> p.startsWith("pkg:deb/debian/php8.2-fpm@") && p.contains("distro=debian-12"));
        assertThat(LocalStack.get("/api/migrations/" + id + "/sbom?program=nginx&format=spdx").body()).contains("SPDX-2.3");
        JsonNode verification = json(LocalStack.get("/api/migrations/" + id + "/verification"));
        JsonNode round = verification.at("/rounds/0/verification");
        // The pod answered the PHP page, and the same page as the source.
        assertThat(round.at("/result/probes").toString()).contains("Hello from PHP 8.2");
        assertThat(round.at("/comparisons").findValuesAsText("matches")).containsOnly("true");
        HttpResponse<String> compose = LocalStack.get("/api/migrations/" + id + "/wiring/compose");
        assertThat(compose.body()).contains("network_mode").contains("service:php-fpm");
    }

    @Test
    @Order(3)
    void anEntrypointThatReallyNeedsAShellIsBlockedNeverSucceeded() throws Exception {
        TinyImage scripted = E2eImages.needsAShell("e2e");
        scripted.push(USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e/scripted:1"));

        await().atMost(Duration.ofSeconds(60)).until(() -> migrationsOf("e2e/scripted").size() == 1);
        JsonNode done = awaitFinal(migrationsOf("e2e/scripted").get(0).get("id").asText());
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("BLOCKED");
        assertThat(done.at("/reasons/0").asText()).contains("/app/start.sh");
        assertThat(done.at("/results")).isEmpty();
    }

    @Test
    @Order(4)
    void distillsOwnPushesThroughTheRealRegistryNeverStartAMigration() throws Exception {
        RegistryClient distill = RegistryClient.builder().build();
        assertThat(distill.userAgent()).startsWith("distill/");
        image("own-push").push(distill, ImageReference.parse(LocalStack.REGISTRY + "/e2e/own:1"));
        image("result").push(USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e/result:1-distroless-nginx"));
        image("base").push(USER, ImageReference.parse(LocalStack.REGISTRY + "/distill/base-static:nonroot"));
        // The registry notifies in push order: once the sentinel's migration exists, the others were seen.
        image("sentinel").push(USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e/sentinel:1"));
        await().atMost(Duration.ofSeconds(60)).until(() -> migrationsOf("e2e/sentinel").size() == 1);

        assertThat(migrationsOf("e2e/own")).isEmpty();
        assertThat(migrationsOf("e2e/result")).isEmpty();
        assertThat(migrationsOf("distill/base-static")).isEmpty();
    }

    @Test
    @Order(5)
    void restartingServicesWhileMigrationsAreInFlightLosesNoneAndEndsEachExactlyOnce() throws Exception {
        int count = 8;
        List<Digest> digests = new ArrayList<>();
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < count / 2; i++) {
                digests.add(image("restart-" + i).push(USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e/restart:" + i)));
            }
            // Crash the analyzer (intake and analysis) while the first pushes are being handled, and push the
            // rest while it is down: their notifications wait in the registry's retry queue.
            Future<?> crash = background.submit(() -> LocalStack.script("restart.sh", "--crash", "analyzer-svc"));
            for (int i = count / 2; i < count; i++) {
                digests.add(image("restart-" + i).push(USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e/restart:" + i)));
            }
            crash.get(6, TimeUnit.MINUTES);
        } finally {
            background.shutdownNow();
        }
        LocalStack.script("restart.sh", "builder-svc");
        LocalStack.script("restart.sh", "verifier-svc");

        // Each migration is verified for real (two runc runs), one after the other.
        await().atMost(Duration.ofSeconds(360)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            List<JsonNode> ms = migrationsOf("e2e/restart");
            return ms.size() == count && ms.stream().allMatch(m -> Migrations.FINAL.contains(m.get("state").asText()));
        });
        Set<String> seenDigests = migrationsOf("e2e/restart").stream().map(m -> m.at("/source/digest").asText())
                .collect(Collectors.toSet());
        assertThat(seenDigests).containsExactlyInAnyOrderElementsOf(digests.stream().map(Digest::toString).toList());

        // Kafka is the record: per migration exactly one request and exactly one final event.
        Set<String> ids = migrationsOf("e2e/restart").stream().map(m -> m.get("id").asText()).collect(Collectors.toSet());
        Map<String, List<MigrationEvent>> byMigration = EventLog.all(LocalStack.KAFKA).stream()
                .filter(e -> ids.contains(e.migrationId()))
                .collect(Collectors.groupingBy(MigrationEvent::migrationId));
        assertThat(byMigration).hasSize(count);
        byMigration.forEach((id, events) -> {
            assertThat(events).as("requests of %s", id).filteredOn(e -> e instanceof MigrationRequested).hasSize(1);
            assertThat(events).as("final events of %s", id)
                    .filteredOn(e -> e instanceof StageFailed || e instanceof MigrationVerified).hasSize(1);
        });
        assertThat(LocalStack.get("/q/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    @Order(6)
    void asSeveralInstancesTheServiceAnswersTheSameFromEach() throws Exception {
        int secondPort = 8083 + LocalStack.PORT_OFFSET;
        String second = "http://127.0.0.1:" + secondPort;
        Process extra = LocalStack.startExtraAnalyzer(secondPort);
        try {
            // The new instance rebuilt its view from Kafka: it knows every migration the first one knows.
            JsonNode fromFirst = json(LocalStack.get("/api/migrations?limit=500"));
            JsonNode fromSecond = json(LocalStack.get(second, "/api/migrations?limit=500"));
            assertThat(fromSecond.get("count").asInt()).isEqualTo(fromFirst.get("count").asInt()).isGreaterThan(10);
            assertThat(fromSecond.get("migrations")).isEqualTo(fromFirst.get("migrations"));

            // A migration asked of one instance is visible at once from the other.
            Digest digest = image("two-instances").push(USER, ImageReference.parse(LocalStack.REGISTRY + "/e2e/two:1"));
            HttpResponse<String> created = LocalStack.post("/api/migrations",
                    "{\"image\":\"" + LocalStack.REGISTRY + "/e2e/two@" + digest + "\"}");
            String id = json(created).get("id").asText();
            HttpResponse<String> seen = LocalStack.get(second, "/api/migrations/" + id);
            assertThat(seen.statusCode()).isEqualTo(200);
            assertThat(json(seen).at("/source/digest").asText()).isEqualTo(digest.toString());
        } finally {
            extra.destroy();
            extra.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    @Order(7)
    void theVerifierRunsUnprivilegedAndOnlyTheSandboxRunnerIsRoot() throws Exception {
        // The migrations above were verified (run under runc) by this pair: the verifier as the service user, the
        // runner as root (deploy/local/lib.sh, distill.verify.runner=socket; docs/security.md).
        assertThat(uidOf("verifier-svc")).as("the verifier service's real and effective uid").isNotZero();
        assertThat(uidOf("sandbox-runner")).as("the sandbox runner's uid").isZero();
        String caps = status("verifier-svc").lines().filter(l -> l.startsWith("CapEff:")).findFirst().orElseThrow();
        assertThat(caps).as("the verifier's effective capabilities").endsWith("0000000000000000");
        assertThat(LocalStack.get("http://127.0.0.1:" + (8082 + LocalStack.PORT_OFFSET), "/q/health/ready").body())
                .contains("sandbox-runner");
    }

    private static String status(String process) throws Exception {
        String pid = Files.readString(LocalStack.stateDir().resolve("pids/" + process + ".pid")).strip();
        return Files.readString(Path.of("/proc/" + pid + "/status"));
    }

    /** The real uid, checked equal to the effective one, from /proc/PID/status's "Uid: real effective saved fs". */
    private static int uidOf(String process) throws Exception {
        String[] ids = status(process).lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+");
        assertThat(ids[2]).as(process + " effective uid").isEqualTo(ids[1]);
        return Integer.parseInt(ids[1]);
    }
}
