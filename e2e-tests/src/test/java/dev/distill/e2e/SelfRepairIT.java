package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.FixtureImages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Self-repair through the whole pipeline: programs that stop at the first file they cannot open, whose analysis
 * cannot see every file they read. The verifier learns from the source's own run what the result lacks, one repair
 * round carries it all, and the migration ends SUCCEEDED answering like its source.
 */
@ExtendWith(SharedStack.class)
class SelfRepairIT {

    private static final RegistryClient USER = RegistryClient.builder().userAgent("e2e-user-push/1.0").build();
    /** Analysis, build, verification, a repair build and a second verification, on a loaded 2-core machine. */
    private static final Duration MIGRATION = Duration.ofMinutes(6);

    @Test
    void aProgramThatStopsAtItsFirstMissingDataFileIsRepairedInOneRound() throws Exception {
        // Reads a header, every part of a directory behind a link and a footer, and exits at the first it lacks.
        JsonNode done = migratedWithOneRepairRound("stitcher", "e2e-repair/stitcher:1");
        List<JsonNode> rounds = rounds(done);
        // Round 0: the result stopped at the header; the source's run named everything it read, and no more.
        JsonNode first = rounds.get(0);
        assertThat(texts(first.at("/verification/result/missing/stitcher")))
                .containsExactly("/usr/share/stitcher/header.txt");
        assertThat(first.get("repairs").findValuesAsText("path")).containsExactlyInAnyOrder(
                "/usr/share/stitcher/header.txt", "/usr/share/stitcher/parts", "/usr/share/stitcher/parts-v2",
                "/usr/share/stitcher/parts/01-one.txt", "/usr/share/stitcher/parts/02-two.txt",
                "/usr/share/stitcher/parts/03-three.txt", "/usr/share/stitcher/footer.txt");
        JsonNode header = StreamSupport.stream(first.at("/verification/candidates").spliterator(), false)
                .filter(c -> c.get("path").asText().equals("/usr/share/stitcher/header.txt")).findFirst().orElseThrow();
        assertThat(header.get("need").asText()).isEqualTo("NEEDED");
        assertThat(header.get("resultFailed").asBoolean()).isTrue();
        assertThat(texts(header.get("source"))).singleElement().asString().contains("/usr/local/bin/stitcher");
        // Round 1 answers like the source, body compared.
        JsonNode http = httpComparison(rounds.get(1));
        assertThat(http.get("bodyCompared").asBoolean()).isTrue();
        assertThat(http.get("matches").asBoolean()).isTrue();

        // The build report says what the repair carried, with its bytes; the result has it.
        JsonNode build = LocalStack.json(LocalStack.get("/api/migrations/" + done.get("id").asText() + "/build"));
        JsonNode repaired = build.at("/images/0/repaired");
        assertThat(repaired.findValuesAsText("path")).contains("/usr/share/stitcher/parts",
                "/usr/share/stitcher/parts-v2/03-three.txt");
        assertThat(repaired.findValues("bytes").stream().mapToLong(JsonNode::asLong).sum())
                .isEqualTo("Stitched from parts:\none\ntwo\nthree\n-- the end\n".length());
        assertThat(repaired.findValuesAsText("round")).containsOnly("1");
        ResolvedImage result = USER.resolve(ImageReference.parse(LocalStack.REGISTRY + "/e2e-repair/stitcher:1-distroless"),
                Platform.LINUX_AMD64);
        LayeredFileSystem fs = LayeredFileSystem.build(result, USER, LayerLimits.defaults());
        assertThat(fs.resolve("/usr/share/stitcher/parts/03-three.txt")).isPresent();
        assertThat(fs.entry("/usr/share/stitcher/parts-v1")).isEmpty();  // what the program never read stays out
    }

    @Test
    void debiansNodeRunningAnExpressAppWhoseViewEngineNoAnalysisSeesIsRepairedInOneRound() throws Exception {
        // The analysis carries node, Debian's builtins under /usr/share/nodejs and the packages the code requires by
        // name; express loads its view engine (eta) by a computed name when it first renders a page, so the first
        // result answers 500. The source's run shows what it loaded; one repair round carries that and no more.
        JsonNode done = migratedWithOneRepairRound("debian-node", "e2e-repair/node:1");
        List<JsonNode> rounds = rounds(done);
        JsonNode first = rounds.get(0);
        JsonNode unrepaired = httpComparison(first);
        assertThat(unrepaired.get("sourceStatus").asInt()).isEqualTo(200);
        assertThat(unrepaired.get("resultStatus").asInt()).isEqualTo(500);  // Cannot find module 'eta'
        assertThat(first.get("repairs").findValuesAsText("path")).contains("/app/node_modules/eta/dist/eta.umd.js",
                "/app/node_modules/eta/package.json");
        JsonNode engine = StreamSupport.stream(first.at("/verification/candidates").spliterator(), false)
                .filter(c -> c.get("path").asText().equals("/app/node_modules/eta/dist/eta.umd.js")).findFirst().orElseThrow();
        assertThat(engine.get("need").asText()).isEqualTo("NEEDED");
        assertThat(texts(engine.get("source"))).first().asString().contains("/usr/bin/node [node server.js]: read");

        JsonNode last = rounds.get(1);
        JsonNode http = httpComparison(last);
        assertThat(http.get("bodyCompared").asBoolean()).isTrue();
        assertThat(http.get("matches").asBoolean()).isTrue();
        assertThat(last.at("/verification/result/probes").toString()).contains("Hello from express 4.21.2 on node 18.");

        // The repair carried the engine's code node loaded, with its bytes, not the rest of its package.
        JsonNode build = LocalStack.json(LocalStack.get("/api/migrations/" + done.get("id").asText() + "/build"));
        JsonNode repaired = build.at("/images/0/repaired");
        assertThat(repaired.findValuesAsText("path")).contains("/app/node_modules/eta/dist/eta.umd.js")
                .noneMatch(path -> path.startsWith("/app/node_modules/eta/dist/types/"));
        assertThat(repaired.findValues("bytes").stream().mapToLong(JsonNode::asLong).sum()).isPositive();
        ResolvedImage result = USER.resolve(ImageReference.parse(LocalStack.REGISTRY + "/e2e-repair/node:1-distroless"),
                Platform.LINUX_AMD64);
        LayeredFileSystem fs = LayeredFileSystem.build(result, USER, LayerLimits.defaults());
        assertThat(fs.resolve("/app/node_modules/eta/dist/eta.umd.js")).isPresent();
        assertThat(fs.entry("/app/node_modules/eta/dist/browser.min.umd.js")).isEmpty();
    }

    /**
     * Pushes a fixture as a user would, waits for the migration its push started to end, and asserts it SUCCEEDED
     * after one repair round.
     */
    private static JsonNode migratedWithOneRepairRound(String fixture, String repositoryAndTag) throws Exception {
        String repository = repositoryAndTag.substring(0, repositoryAndTag.indexOf(':'));
        FixtureImages.push(fixture, LocalStack.REGISTRY + "/" + repositoryAndTag);
        await().atMost(Duration.ofSeconds(60)).until(() -> LocalStack.migrationsOf(repository).size() == 1);
        JsonNode done = LocalStack.awaitFinal(LocalStack.migrationsOf(repository).get(0).get("id").asText(), MIGRATION);
        assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(rounds(done)).extracting(r -> r.get("outcome").asText()).containsExactly("REPAIR", "SUCCEEDED");
        return done;
    }

    private static List<JsonNode> rounds(JsonNode migration) {
        JsonNode report = LocalStack.json(LocalStack.get("/api/migrations/" + migration.get("id").asText()
                + "/verification"));
        List<JsonNode> out = new ArrayList<>();
        report.get("rounds").forEach(out::add);
        return out;
    }

    private static JsonNode httpComparison(JsonNode round) {
        return StreamSupport.stream(round.at("/verification/comparisons").spliterator(), false)
                .filter(c -> c.get("kind").asText().equals("http")).findFirst()
                .orElseThrow(() -> new AssertionError("no HTTP comparison in " + round));
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
