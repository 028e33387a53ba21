package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.distill.engine.analysis.AnalysisReport;
import dev.distill.engine.analysis.ImageAnalyzer;
import dev.distill.engine.assembly.BaseCatalog;
import dev.distill.engine.assembly.BuildReport;
import dev.distill.engine.assembly.ImageAssembler;
import dev.distill.engine.assembly.TagScheme;
import dev.distill.engine.detect.surface.SurfaceResult;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.plan.MigrationPlan;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.registry.ImageUpload;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.HostIdPool;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.structure.StructureTestResult;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.structure.StructureTestYaml;
import dev.distill.engine.testing.DistrolessBases;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.engine.testing.LocalRegistry;
import dev.distill.engine.wiring.ContainerImage;
import dev.distill.engine.wiring.ContainerPort;
import dev.distill.engine.wiring.ContainerWiring;
import dev.distill.engine.wiring.PodWiring;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verifier on real migrations: the fixtures pushed to a local registry, analysed, assembled on the real
 * distroless bases, wired as the builder wires them, then verified under runc. Needs root, runc, strace, nsenter and
 * curl (skipped otherwise); runs with {@code -Pe2e}.
 */
class MigrationVerifierIT {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    /**
     * This test's own id pool (leases held where everyone's are): "no process runs with its ids" then speaks of this
     * test's containers alone, whatever else runs on the machine.
     */
    static final HostIdPool POOL = new HostIdPool(0x6000_0000L, 0x6000_0000L, 64, HostIdPool.DEFAULT_LOCK_DIRECTORY);

    private static LocalRegistry registry;
    private static RegistryClient client;
    private static BaseCatalog bases;
    private static Path work;

    @BeforeAll
    static void start(@TempDir Path temp) throws Exception {
        assumeTrue(runnable(), "needs root, runc, strace, nsenter and curl");
        work = temp;
        registry = LocalRegistry.start();
        client = registry.client();
        DistrolessBases.push(client, registry.host(), temp.resolve("bases"));
        bases = new BaseCatalog(registry.host() + "/distill/{flavour}:{variant}");
        FixtureImages.push("musl-plugin", registry.host() + "/fixtures/musl:1");
        FixtureImages.push("debian-php", registry.host() + "/fixtures/php:1");
        FixtureImages.push("stitcher", registry.host() + "/fixtures/stitcher:1");
        FixtureImages.push("debian-node", registry.host() + "/fixtures/node:1");
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void theDebianPhpPodServesThePhpPageLikeItsSource() throws Exception {
        Migration m = migrate("fixtures/php:1", UnaryOperator.identity());
        MigrationVerifier verifier = verifier(MigrationVerifier.Options.defaults(work.resolve("v")));
        Verification v = verifier.verify(m.request(0));
        print("debian-php", v);

        assertThat(v.verdict()).as("%s%n%s", v.reasons(), v.result().logExcerpt()).isEqualTo(Verification.Verdict.SUCCEEDED);
        assertThat(v.images()).extracting(Verification.ImageCheck::program).containsExactlyInAnyOrder("php-fpm", "nginx");
        Verification.Comparison http = v.comparisons().stream().filter(c -> c.kind().equals("http")).findFirst().orElseThrow();
        // "Hello from PHP 8.2.x": the same on two requests, so the bodies were compared, and equal.
        assertThat(http.bodyCompared()).isTrue();
        assertThat(http.matches()).isTrue();
        assertThat(v.result().probes()).filteredOn(p -> p.kind().equals("http")).singleElement()
                .satisfies(p -> assertThat(p.body()).startsWith("Hello from PHP 8.2"));
        assertThat(v.resultSize()).isLessThan(v.sourceSize());
        // The result's shutdown is judged (its programs end on their stop signal); the source's is not waited for.
        assertThat(v.result().stops()).containsOnly(Map.entry("php-fpm", "STOPPED_BY_SIGNAL"),
                Map.entry("nginx", "STOPPED_BY_SIGNAL"));
        assertThat(v.sourceRun().stops()).containsOnly(Map.entry(MigrationVerifier.SOURCE, "KILLED"));
        // The sandboxes are closed and the directory removed after the verdict, not before it.
        assertThat(verifier.awaitCleanups(Duration.ofMinutes(1))).isTrue();
        assertThat(Files.list(work.resolve("v"))).isEmpty();
        JsonNode json = JSON.readTree(JSON.writeValueAsString(v));
        assertThat(json.get("verdict").asText()).isEqualTo("SUCCEEDED");
    }

    /** A user's suite with a command test, run in a container of the result image. */
    private static StructureTestSuite greeterSuite() {
        return StructureTestYaml.parse("""
                schemaVersion: "2.0.0"
                commandTests:
                  - name: "greeter refuses a missing configuration"
                    command: "/usr/local/bin/greeter"
                    args: ["/nonexistent.conf"]
                    expectedError: ["nonexistent.conf: No such file"]
                    exitCode: 1
                """);
    }

    @Test
    void theMuslResultServesWithItsDlopenedPlugin() throws Exception {
        Migration m = migrate("fixtures/musl:1", UnaryOperator.identity());
        StructureTestSuite userSuite = greeterSuite();
        Verification v = verifier(MigrationVerifier.Options.defaults(work.resolve("v"))).verify(new MigrationVerifier.Request(
                m.build(), m.plan(), Platform.LINUX_AMD64, Map.of("greeter", List.of(userSuite)), 0));
        print("musl-plugin", v);
        assertThat(v.images().get(0).structureTests().results()).filteredOn(r -> r.kind() == StructureTestResult.Kind.COMMAND)
                .singleElement().satisfies(r -> assertThat(r.status()).as(r.message()).isEqualTo(StructureTestResult.Status.PASSED));

        assertThat(v.verdict()).as("%s%n%s", v.reasons(), v.result().logExcerpt()).isEqualTo(Verification.Verdict.SUCCEEDED);
        assertThat(v.result().probes()).filteredOn(p -> p.kind().equals("http")).singleElement()
                .satisfies(p -> assertThat(p.passed()).isTrue());
        assertThat(v.comparisons()).allSatisfy(c -> assertThat(c.matches()).isTrue());
        // The trace also says what the program used: its executable and the plugin it dlopened.
        assertThat(v.result().opened().get("greeter")).contains("/usr/local/bin/greeter",
                "/usr/local/lib/greeter/plugins/shout.so");
    }

    @Test
    void theMuslResultVerifiesTheSameThroughTheSandboxRunner() throws Exception {
        // The verifier's half (pulls, checks, comparison) here, the containers in a runner on a socket: the verdict,
        // the command test's exit status and the trace's paths come back over it unchanged.
        Migration m = migrate("fixtures/musl:1", UnaryOperator.identity());
        StructureTestSuite userSuite = greeterSuite();
        Path spool = work.resolve("spool");
        Path socket = work.resolve("runner-socket/runner.sock");
        Confinement confinement = Confinement.defaults().withUserNamespaces(POOL);
        try (SandboxRunner runner = new SandboxRunner(new SandboxRunner.Settings(socket, null, spool,
                work.resolve("runner"), confinement, Duration.ofMinutes(5), 4))) {
            runner.start();
            MigrationVerifier verifier = new MigrationVerifier(client, MigrationVerifier.Options.defaults(spool)
                    .withConfinement(confinement), PrivilegedRuns.socket(socket, spool));
            Verification v = verifier.verify(new MigrationVerifier.Request(m.build(), m.plan(), Platform.LINUX_AMD64,
                    Map.of("greeter", List.of(userSuite)), 0));
            print("musl-plugin through the runner", v);

            assertThat(v.verdict()).as("%s%n%s", v.reasons(), v.result().logExcerpt()).isEqualTo(Verification.Verdict.SUCCEEDED);
            assertThat(v.images().get(0).structureTests().results()).filteredOn(r -> r.kind() == StructureTestResult.Kind.COMMAND)
                    .singleElement().satisfies(r -> assertThat(r.status()).as(r.message()).isEqualTo(StructureTestResult.Status.PASSED));
            assertThat(v.result().opened().get("greeter")).contains("/usr/local/lib/greeter/plugins/shout.so");

            // Again with the same verifier: every layer is merged from its remembered index (none is read to check the
            // images), and the runner still finds each one in the new verification's spool.
            Verification again = verifier.verify(new MigrationVerifier.Request(m.build(), m.plan(), Platform.LINUX_AMD64,
                    Map.of("greeter", List.of(userSuite)), 1));
            assertThat(again.verdict()).as("%s%n%s", again.reasons(), again.result().logExcerpt())
                    .isEqualTo(Verification.Verdict.SUCCEEDED);
            assertThat(again.result().ran()).isTrue();
            // Both sides close after their verdict: the verifier its spool, the runner its sandboxes once it answered.
            assertThat(verifier.awaitCleanups(Duration.ofMinutes(1))).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (runner.liveRuns() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(runner.liveRuns()).isZero();
            // The verifications' spools are gone with them; what stays is the layers kept for the next one (the second
            // verification linked them from there: none came from the registry again).
            assertThat(Files.list(spool)).as("the verification's spooled layers are gone with it")
                    .containsExactly(spool.resolve("kept-blobs"));
            assertThat(Files.list(spool.resolve("kept-blobs/sha256"))).isNotEmpty()
                    .allSatisfy(blob -> assertThat(Files.getAttribute(blob, "unix:nlink")).as("no verification links it").isEqualTo(1));
            assertThat(Files.list(work.resolve("runner")).filter(p -> !p.getFileName().toString().startsWith(".")))
                    .as("the runner's sandboxes are gone").isEmpty();
        }
    }

    @Test
    void aBuildWithoutItsLibraryIsCaughtStaticallyAndAtRunTimeAndAsksForTheLibrary() throws Exception {
        Migration m = migrate("fixtures/musl:1", plan -> new MigrationPlan(plan.programs().stream()
                .map(p -> withoutFile(p, "/usr/local/lib/libgreet.so.1")).toList(), plan.blockers(), plan.warnings()));
        MigrationVerifier verifier = verifier(MigrationVerifier.Options.defaults(work.resolve("v")));

        Verification first = verifier.verify(m.request(0));
        print("musl-broken round 0", first);
        assertThat(first.verdict()).isEqualTo(Verification.Verdict.REPAIR);
        assertThat(first.images().get(0).staticChecks().passed()).isFalse();
        assertThat(first.reasons()).anyMatch(r -> r.contains("static check elf-dependencies failed"))
                .anyMatch(r -> r.contains("the result fails"));
        assertThat(first.result().probes()).anyMatch(p -> !p.passed());
        assertThat(first.repairCandidates()).containsKey("greeter");
        assertThat(first.repairCandidates().get("greeter")).contains("/usr/local/lib/libgreet.so.1");

        // Rounds exhausted: the same build is FAILED, never SUCCEEDED.
        Verification last = verifier.verify(m.request(2));
        assertThat(last.verdict()).isEqualTo(Verification.Verdict.FAILED);
        assertThat(last.reasons()).anyMatch(r -> r.startsWith("repair rounds exhausted"));
        // The same source under the same probes: its answers are reused, not run again (the same run, timings and all).
        assertThat(first.sourceRun().passed()).isTrue();
        assertThat(last.sourceRun()).isSameAs(first.sourceRun());
    }

    @Test
    void aProgramThatStopsAtItsFirstMissingFileIsRepairedInOneRoundFromTheSourcesOwnRun() throws Exception {
        // The plan carries the program (static analysis cannot see its data files): the result stops at the first.
        Migration m = migrate("fixtures/stitcher:1", UnaryOperator.identity());
        assertThat(m.plan().programs()).singleElement().satisfies(p -> assertThat(p.files())
                .noneMatch(f -> f.path().startsWith("/usr/share/stitcher")));
        MigrationVerifier verifier = verifier(MigrationVerifier.Options.defaults(work.resolve("v")));

        List<Verification> rounds = verifyAndRepair(m, verifier, "stitcher");

        Verification first = rounds.get(0);
        assertThat(first.verdict()).isEqualTo(Verification.Verdict.REPAIR);
        // the result's own run shows one missing file; the source's run shows all seven entries
        assertThat(first.result().missing().get("stitcher")).containsExactly("/usr/share/stitcher/header.txt");
        assertThat(first.repairCandidates().get("stitcher")).containsExactlyInAnyOrder("/usr/share/stitcher/header.txt",
                "/usr/share/stitcher/parts", "/usr/share/stitcher/parts-v2", "/usr/share/stitcher/parts/01-one.txt",
                "/usr/share/stitcher/parts/02-two.txt", "/usr/share/stitcher/parts/03-three.txt",
                "/usr/share/stitcher/footer.txt");
        assertThat(first.candidates()).filteredOn(c -> c.path().equals("/usr/share/stitcher/header.txt")).singleElement()
                .satisfies(c -> {
                    assertThat(c.resultFailed()).isTrue();
                    assertThat(c.source()).singleElement().asString().contains("/usr/local/bin/stitcher");
                });
        assertThat(first.sourceProcesses()).anySatisfy(p -> assertThat(p.programs()).containsExactly("stitcher"));

        assertThat(rounds).hasSize(2);
        assertThat(succeededLikeItsSource(rounds.get(1))).isEqualTo("Stitched from parts:\none\ntwo\nthree\n-- the end\n");
    }

    @Test
    void debiansNodeWithAnNpmDependencyIsRepairedInOneRoundAndAnswersLikeItsSource() throws Exception {
        // The build carries node and the app's own files, not Debian's builtins under /usr/share/nodejs nor the npm
        // dependencies: node stops at the first module it cannot load, one per run.
        Migration m = migrate("fixtures/node:1", MigrationVerifierIT::withoutNodeModules);
        assertThat(m.plan().blockers()).isEmpty();
        MigrationVerifier verifier = verifier(MigrationVerifier.Options.defaults(work.resolve("v")));

        List<Verification> rounds = verifyAndRepair(m, verifier, "debian-node");

        Verification first = rounds.get(0);
        assertThat(first.verdict()).isEqualTo(Verification.Verdict.REPAIR);
        // node aborted at its first missing builtin: the result's own run shows that one only
        assertThat(first.result().missing().get("node")).contains("/usr/share/nodejs/cjs-module-lexer/lexer.js")
                .doesNotContain("/usr/share/nodejs/cjs-module-lexer/dist/lexer.js", "/app/node_modules/express/index.js");
        // it crashed as its container's init under the tracer: ended at once, not at the time limit
        assertThat(first.result().timedOut()).isFalse();
        assertThat(first.result().logExcerpt()).contains("[distill] node crashed (SIG");
        assertThat(first.result().ended()).containsEntry("node", 139);  // abort() as pid 1 ends in SIGSEGV
        List<String> asked = first.repairCandidates().values().iterator().next();
        assertThat(asked).contains("/usr/share/nodejs/cjs-module-lexer/lexer.js",
                "/usr/share/nodejs/cjs-module-lexer/dist/lexer.js", "/usr/share/nodejs/acorn/dist/acorn.js",
                "/app/node_modules/express/index.js", "/app/node_modules/body-parser/index.js",
                // loaded by a computed name when the source's express rendered its first page
                "/app/node_modules/eta/dist/eta.umd.js");
        assertThat(asked).doesNotContain("/app/node_modules/eta/dist/browser.min.umd.js");  // installed, never loaded
        assertThat(asked).noneMatch(p -> p.equals("/etc/ld.so.cache"));
        assertThat(first.candidates()).filteredOn(c -> c.path().equals("/etc/ld.so.cache"))
                .allSatisfy(c -> assertThat(c.need()).isEqualTo(Verification.Need.HARMLESS));

        assertThat(rounds).hasSize(2);
        assertThat(succeededLikeItsSource(rounds.get(1))).startsWith("Hello from express 4.21.2 on node 18.");
    }

    /** Asserts SUCCEEDED with an HTTP answer like the source's, body compared; returns the result's body. */
    private static String succeededLikeItsSource(Verification v) {
        assertThat(v.verdict()).as("%s%n%s", v.reasons(), v.result().logExcerpt()).isEqualTo(Verification.Verdict.SUCCEEDED);
        assertThat(v.comparisons()).filteredOn(c -> c.kind().equals("http")).singleElement().satisfies(c -> {
            assertThat(c.bodyCompared()).isTrue();
            assertThat(c.matches()).isTrue();
        });
        return v.result().probes().stream().filter(p -> p.kind().equals("http")).findFirst().orElseThrow().body();
    }

    @Test
    void hostileResultsEndFailedNamingTheLimitTheyReachedWhileAGoodOneBesideThemSucceeds() throws Exception {
        // A tenth of a CPU: even on a loaded machine a spinning program gets that much, so it runs at its limit.
        MigrationVerifier verifier = verifier(MigrationVerifier.Options.defaults(work.resolve("v")).withTimeLimit(Duration.ofSeconds(40))
                .withProbes(Duration.ofSeconds(2), Duration.ofSeconds(10)).withLimits(new ResourceLimits(64L << 20, 100, 64)));
        Map<String, List<String>> results = new LinkedHashMap<>();
        results.put("fork bomb", List.of("/bin/busybox", "sh", "-c", "f(){ f | f & }; f; sleep 1000"));
        results.put("memory hog", List.of("/hostile", "memhog"));
        results.put("busy loop ignoring SIGTERM", List.of("/hostile", "spin"));
        results.put("good", List.of("/hostile", "serve"));
        Map<String, BuildReport> builds = new LinkedHashMap<>();
        for (Map.Entry<String, List<String>> r : results.entrySet()) {
            builds.put(r.getKey(), busyboxBuild(r.getValue()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(builds.size());
        Map<String, Future<Verification>> running = new LinkedHashMap<>();
        try {
            // All at once on one verifier, as concurrent migrations are: the hostile ones must not hurt the good one.
            builds.forEach((name, build) -> running.put(name, pool.submit(() -> verifier.verify(new MigrationVerifier.Request(
                    build, new MigrationPlan(List.of(), List.of(), List.of()), Platform.LINUX_AMD64, Map.of(), 0)))));
            Map<String, Verification> done = new LinkedHashMap<>();
            for (Map.Entry<String, Future<Verification>> f : running.entrySet()) {
                done.put(f.getKey(), f.getValue().get(5, TimeUnit.MINUTES));
                print(f.getKey(), done.get(f.getKey()));
            }

            assertThat(done.get("good").verdict()).as("%s", done.get("good").reasons()).isEqualTo(Verification.Verdict.SUCCEEDED);
            for (String hostile : List.of("fork bomb", "memory hog", "busy loop ignoring SIGTERM")) {
                Verification v = done.get(hostile);
                assertThat(v.verdict()).as(hostile).isEqualTo(Verification.Verdict.FAILED);
                assertThat(v.sourceRun().probes()).allSatisfy(p -> assertThat(p.passed()).as(p.toString()).isTrue());
            }
            assertThat(done.get("fork bomb").reasons()).anyMatch(r -> r.contains("reached its pids limit of 64 tasks: "));
            assertThat(done.get("memory hog").reasons()).anyMatch(r -> r.contains("reached its memory limit of 64.0 MiB: the kernel killed"));
            assertThat(done.get("busy loop ignoring SIGTERM").reasons())
                    .anyMatch(r -> r.contains("ran at its CPU limit of 0.10 CPU: used "))
                    .anyMatch(r -> r.contains("did not end on its stop signal and was killed"));
            assertThat(done.get("busy loop ignoring SIGTERM").result().stops()).containsEntry("app", "KILLED");
        } finally {
            pool.shutdownNow();
        }
        assertThat(new ProcessBuilder("true").start().waitFor()).as("the host can still fork").isZero();
        assertThat(verifier.awaitCleanups(Duration.ofMinutes(1))).isTrue();
        expectNothingLeft(work.resolve("v"));
    }

    @Test
    void aProgramThatNeedsCallsTheSandboxRefusesFailsAndTheVerdictNamesThem() throws Exception {
        MigrationVerifier verifier = verifier(MigrationVerifier.Options.defaults(work.resolve("v"))
                .withProbes(Duration.ofSeconds(1), Duration.ofSeconds(5)).withTimeLimit(Duration.ofSeconds(20)));
        Verification v = verifier.verify(new MigrationVerifier.Request(busyboxBuild(List.of("/hostile", "needs-escape")),
                new MigrationPlan(List.of(), List.of(), List.of()), Platform.LINUX_AMD64, Map.of(), 0));
        print("needs refused calls", v);

        assertThat(v.verdict()).isEqualTo(Verification.Verdict.FAILED);
        assertThat(v.result().logExcerpt()).contains("unshare(CLONE_NEWUSER): DENIED (EPERM)", "cannot work without these calls");
        assertThat(v.result().denied().get("app")).anyMatch(d -> d.startsWith("unshare(CLONE_NEWUSER) = -1 EPERM"))
                .anyMatch(d -> d.startsWith("keyctl(")).anyMatch(d -> d.startsWith("bpf("));
        assertThat(v.reasons()).anyMatch(r -> r.startsWith("the result's program app tried calls the sandbox refuses")
                && r.contains("unshare(CLONE_NEWUSER) = -1 EPERM") && r.contains("kexec_load("));
        assertThat(verifier.awaitCleanups(Duration.ofMinutes(1))).isTrue();
        expectNothingLeft(work.resolve("v"));
    }

    @Test
    void aVerifierKilledMidRunLeavesNothingOnceTheNextOneStarts() throws Exception {
        Path root = Files.createDirectories(work.resolve("crash"));
        try {
            killMidRunAndSweep(root);
        } finally {
            verifier(MigrationVerifier.Options.defaults(root)).sweep();  // whatever failed, no container outlives the test
        }
    }

    private void killMidRunAndSweep(Path root) throws Exception {
        Path buildFile = work.resolve("spin-build.json");
        Files.writeString(buildFile, JSON.writeValueAsString(busyboxBuild(List.of("/hostile", "spin"))));
        List<String> command = List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), VerifierProcess.class.getName(), root.toString(), buildFile.toString());
        Process verifierProcess = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("crashed-verifier.log").toFile()).start();
        List<Long> containers;
        try {
            // Wait for the result's containers to run (its source has been run and removed by then).
            containers = awaitRunningContainers(root, "result", Duration.ofSeconds(120));
        } finally {
            verifierProcess.destroyForcibly();  // kill -9, mid-run
            verifierProcess.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(containers).as(Files.readString(work.resolve("crashed-verifier.log"))).isNotEmpty()
                .allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).as("outlives the verifier").isPresent());

        // The next verifier on this work root sweeps as it starts.
        SweepReport swept = verifier(MigrationVerifier.Options.defaults(root)).sweep();
        System.out.println("sweep after kill -9: " + swept);

        assertThat(swept.problems()).isEmpty();
        assertThat(swept.containersDeleted()).isGreaterThanOrEqualTo(1);
        expectNothingLeft(root);
        // Gone, or a zombie until the host's init reaps it (its parent, the verifier, is dead).
        assertThat(containers).allSatisfy(pid -> assertThat(runs(pid)).as("pid %d runs", pid).isFalse());
    }

    private static boolean runs(long pid) {
        try {
            return !Files.readString(Path.of("/proc", Long.toString(pid), "status")).contains("State:\tZ");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The work root is empty, nothing is mounted below it, and no process runs with ids of Distill's pool. */
    private static void expectNothingLeft(Path root) throws Exception {
        try (Stream<Path> left = Files.list(root)) {
            assertThat(left).as("left in %s", root).isEmpty();
        }
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(root.toString());
        HostIdPool pool = POOL;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<Long> inPool = processesInPool(pool);
        while (!inPool.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);  // killed processes take a moment to exit
            inPool = processesInPool(pool);
        }
        assertThat(inPool).as("processes with ids of %s", pool).isEmpty();
    }

    private static List<Long> processesInPool(HostIdPool pool) throws Exception {
        List<Long> pids = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String status = Files.readString(p.resolve("status"));
                    Matcher uid = Pattern.compile("(?m)^Uid:\\s+(\\d+)").matcher(status);
                    Matcher gid = Pattern.compile("(?m)^Gid:\\s+(\\d+)").matcher(status);
                    if (!status.contains("State:\tZ") && uid.find() && gid.find()
                            && pool.contains(Long.parseLong(uid.group(1)), Long.parseLong(gid.group(1)))) {
                        pids.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (java.io.IOException e) {
                    // ended meanwhile
                }
            }
        }
        return pids;
    }

    /** The init pids of the containers of a sandbox named {@code sandbox} below {@code root}, once they run. */
    private static List<Long> awaitRunningContainers(Path root, String sandbox, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<Long> pids = new ArrayList<>();
            try (Stream<Path> files = Files.find(root, 4, (p, a) -> p.getFileName().toString().equals("init.pid")
                    && p.getParent().getParent().getFileName().toString().equals(sandbox))) {
                for (Path f : files.toList()) {
                    String text = Files.readString(f).strip();
                    if (text.matches("\\d+")) {
                        pids.add(Long.parseLong(text));
                    }
                }
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
                // a directory went away while walking
            }
            // Started: its process runs the program, no longer runc's init waiting for the start.
            if (!pids.isEmpty() && pids.stream().allMatch(pid -> ProcessHandle.of(pid).flatMap(h -> h.info().command())
                    .map(c -> !c.endsWith("runc")).orElse(false))) {
                return pids;
            }
            Thread.sleep(200);
        }
        return List.of();
    }

    // --- the migration as the pipeline does it: analyse, assemble, publish, wire

    /**
     * A migration as the pipeline has it: the build of one round, the analysis' plan the verifier checks against, and
     * what a repair round rebuilds from (the source, the analysis, the plan the builder followed).
     */
    private record Migration(BuildReport build, MigrationPlan plan, ResolvedImage source, AnalysisReport report,
            MigrationPlan built) {
        MigrationVerifier.Request request(int round) {
            return new MigrationVerifier.Request(build, plan, Platform.LINUX_AMD64, Map.of(), round);
        }
    }

    private static Migration migrate(String reference, UnaryOperator<MigrationPlan> builderPlan) throws Exception {
        ResolvedImage source = client.resolve(registry.reference(reference), Platform.LINUX_AMD64);
        AnalysisReport report = new ImageAnalyzer(ImageAnalyzer.Options.defaults()).analyze(source.layers(),
                BlobSource.registry(client, source.pinnedReference()), LayerLimits.defaults(), source.imageConfig(),
                new AnalysisReport.Subject(reference, source.pushedDigest().toString(), "linux/amd64"), null);
        return build(source, report, builderPlan.apply(report.plan()), List.of());
    }

    /** Assembles (with what repair rounds asked for), publishes and wires, as the builder stage does. */
    private static Migration build(ResolvedImage source, AnalysisReport report, MigrationPlan built,
            List<ImageAssembler.Repair> repairs) throws Exception {
        ImageAssembler assembler = new ImageAssembler(client, bases, TagScheme.defaults(), LayerLimits.defaults(), "test",
                Files.createDirectories(work.resolve("assembly")));
        ImageAssembler.Assembly assembly = assembler.assemble(new ImageAssembler.Source(source,
                BlobSource.registry(client, source.pinnedReference()), source.reference().tag(), built,
                (SurfaceResult) report.detections().get("surface"), repairs));
        List<ImageAssembler.ProgramImage> images = assembler.publish(assembly);
        // As distill-pipeline's PodWiringGenerator: the pod of the images as planned and built, pinned by digest.
        Map<String, ImageReference> pushed = new LinkedHashMap<>();
        for (ImageAssembler.ProgramImage image : images) {
            ImageReference r = image.taggedReference();
            pushed.put(image.program(), new ImageReference(r.registry(), r.repository(), r.tag(), image.pushed().manifestDigest()));
        }
        PodWiring pod = PodWiring.fromPlan("app", built, pushed);
        BuildReport build = BuildReport.of(source.reference().toString(), source.pushedDigest().toString(), "test",
                assembly, new BuildReport.Wiring(pod, "", ""));
        return new Migration(build, report.plan(), source, report, built);
    }

    /**
     * Verifies round after round as the pipeline does: on REPAIR the builder builds again from the same plan with what
     * every round so far asked for (RepairBuildStep), and the verifier checks the new build against that plan (in the
     * pipeline the analysis' plan is the one built). Every round's verification.
     */
    private static List<Verification> verifyAndRepair(Migration first, MigrationVerifier verifier, String name)
            throws Exception {
        List<Verification> rounds = new java.util.ArrayList<>();
        List<ImageAssembler.Repair> repairs = new java.util.ArrayList<>();
        Migration m = first;
        for (int round = 0; ; round++) {
            Verification v = verifier.verify(new MigrationVerifier.Request(m.build(), m.built(), Platform.LINUX_AMD64,
                    Map.of(), round));
            print(name + " round " + round, v);
            rounds.add(v);
            if (v.verdict() != Verification.Verdict.REPAIR) {
                return rounds;
            }
            for (Verification.Candidate c : v.candidates()) {
                if (v.repairCandidates().getOrDefault(c.program(), List.of()).contains(c.path())) {
                    repairs.add(new ImageAssembler.Repair(c.program(), c.path(), round + 1, c.reason()));
                }
            }
            m = build(m.source(), m.report(), m.built(), repairs);
        }
    }

    /**
     * The plan without what node loads at run time: Debian's builtins under /usr/share/nodejs and the app's npm
     * dependencies. The analysis finds most of them (libnode names the builtins; the code requires packages by name);
     * taking them all out stands for a program whose every file is out of an analysis's sight, one abort at a time.
     */
    private static MigrationPlan withoutNodeModules(MigrationPlan plan) {
        return new MigrationPlan(plan.programs().stream().map(p -> p.withFiles(p.files().stream()
                .filter(f -> !f.path().startsWith("/usr/share/nodejs/") && !f.path().startsWith("/app/node_modules/"))
                .toList())).toList(), plan.blockers(), plan.warnings());
    }

    private static ProgramPlan withoutFile(ProgramPlan p, String path) {
        return p.withFiles(p.files().stream().filter(f -> !f.path().equals(path)).toList());
    }

    /**
     * The hostile fixture's program serving :8080 ({@code /hostile serve}) as the source, and {@code command} as the
     * "result", declaring :8080. The result image holds the program, accounts and, when the command needs it,
     * busybox (a shell: its static check then fails too); the source holds both.
     */
    static BuildReport busyboxBuild(List<String> command) throws Exception {
        WrittenLayer base;
        try (LayerWriter w = new LayerWriter(Files.createTempFile(work, "base", ".tar.gz"))) {
            w.directory("/etc", 0755, 0, 0);
            w.file("/etc/passwd", 0644, 0, 0, "root:x:0:0::/:/sbin/nologin\napp:x:1000:1000::/:/sbin/nologin\n"
                    .getBytes(StandardCharsets.UTF_8));
            w.file("/etc/group", 0644, 0, 0, "root:x:0:\napp:x:1000:\n".getBytes(StandardCharsets.UTF_8));
            w.file("/hostile", 0755, 0, 0, Files.readAllBytes(FixtureImages.build("hostile").rootfs().resolve("usr/local/bin/hostile")));
            base = w.finish();
        }
        WrittenLayer busybox;
        try (LayerWriter w = new LayerWriter(Files.createTempFile(work, "busybox", ".tar.gz"))) {
            w.directory("/bin", 0755, 0, 0);
            w.file("/bin/busybox", 0755, 0, 0, Files.readAllBytes(Path.of("/bin/busybox")));
            busybox = w.finish();
        }
        ImageUpload upload = new ImageUpload(client);
        ImageReference repo = ImageReference.parse(registry.host() + "/hostile/app");
        ImageUpload.Pushed source = upload.tag(upload.push(repo, List.of(base.upload(), busybox.upload()),
                config(List.of("/hostile", "serve")), Map.of()), "source");
        List<ImageUpload.Layer> resultLayers = command.get(0).equals("/bin/busybox") ? List.of(base.upload(), busybox.upload())
                : List.of(base.upload());
        ImageUpload.Pushed result = upload.tag(upload.push(repo, resultLayers, config(command), Map.of()),
                "result-" + Integer.toHexString(command.hashCode()));
        ImageReference pinned = new ImageReference(repo.registry(), repo.repository(), null, result.manifestDigest());
        ContainerWiring container = new ContainerWiring("app", "app", ContainerImage.of(pinned),
                command, Identity.of(1000, 1000), "/", List.of(),
                List.of(ContainerPort.parse("8080/tcp")), "SIGTERM", List.of(), List.of());
        PodWiring pod = new PodWiring("hostile", List.of(container), List.of(), List.of(), List.of());
        BuildReport.Image image = new BuildReport.Image("app", repo.repositoryLocation() + ":result-" + Integer.toHexString(command.hashCode()),
                result.manifestDigest().toString(), "none", source.manifestDigest().toString(), "1000:1000", "test", 7,
                result.compressedSize(), result.uncompressedSize(), List.of());
        return new BuildReport(BuildReport.SCHEMA_VERSION, repo.repositoryLocation() + ":source",
                source.manifestDigest().toString(), "test", List.of(image), null, source.compressedSize(),
                source.uncompressedSize(), new BuildReport.Wiring(pod, "", ""));
    }

    private static ObjectNode config(List<String> entrypoint) {
        ObjectNode config = JSON.createObjectNode();
        config.put("architecture", "amd64");
        config.put("os", "linux");
        ObjectNode c = config.putObject("config");
        entrypoint.forEach(c.putArray("Entrypoint")::add);
        c.put("User", "1000:1000");
        c.putObject("ExposedPorts").putObject("8080/tcp");
        return config;
    }

    private static MigrationVerifier verifier(MigrationVerifier.Options options) {
        return new MigrationVerifier(client, options.withConfinement(Confinement.defaults().withUserNamespaces(POOL)));
    }

    private static void print(String name, Verification v) {
        Verification.Timings t = v.timings();
        Verification.Timings r = v.result().timings();
        Verification.Timings s = v.sourceRun().timings();
        System.out.printf("%s: %s %s%n  total %d ms; pull %d (result %d, source %d), unpack %d (result %d, source %d), "
                + "result start %d, result probe %d, source start %d, source probe %d; size result %d vs source %d bytes (%.1f%%)%n",
                name, v.verdict(), v.reasons(), t.totalMillis(), t.pullMillis(), r.pullMillis(), s.pullMillis(),
                t.unpackMillis(), r.unpackMillis(), s.unpackMillis(), r.startMillis(), r.probeMillis(), s.startMillis(),
                s.probeMillis(), v.resultSize(), v.sourceSize(), 100.0 * v.resultSize() / Math.max(1, v.sourceSize()));
        System.out.printf("  repair candidates %s; result missing %s%n", v.repairCandidates(), v.result().missing());
        if (v.verdict() != Verification.Verdict.SUCCEEDED) {
            System.out.printf("  result log:%n%s%n", v.result().logExcerpt());
        }
    }

    static boolean runnable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return false;
        }
        for (String tool : List.of("runc", "strace", "nsenter", "curl")) {
            boolean found = false;
            for (String dir : System.getenv("PATH").split(":")) {
                found |= Files.isExecutable(Path.of(dir, tool));
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

}
