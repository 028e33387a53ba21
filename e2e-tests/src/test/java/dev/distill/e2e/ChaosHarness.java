package dev.distill.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.image.Platform;
import dev.distill.engine.image.ResolvedImage;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.testing.FixtureImages;
import dev.distill.events.MigrationEvent;
import dev.distill.events.MigrationVerified;
import dev.distill.events.StageFailed;
import dev.distill.events.StageStarted;
import dev.distill.pipeline.testing.EventLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chaos benchmark of docs/reliability.md: while 20 migrations are in flight, every service is killed with
 * SIGKILL at random moments (10 times each, by default), and the Kafka broker and the registry are restarted. Then
 * every migration must have exactly one final event and one final state, no result tag may point at an image that is
 * not whole, nothing may be left of the work (work directories, containers, mounts, container processes and their
 * network namespaces), and every service must be healthy.
 *
 * <p>Not part of CI (its name does not end in IT): it takes a quarter of an hour. Run it with {@code bench/chaos.sh}.
 * Knobs: {@code -Dchaos.migrations}, {@code -Dchaos.kills} (per service), {@code -Dchaos.restarts} (of Kafka and of the
 * registry each), {@code -Dchaos.seed}, {@code -Dchaos.targets} (the processes killed, each a name {@code
 * deploy/local/restart.sh --crash} knows; the three services by default: a process added to the stack, such as a
 * privileged runner beside the verifier, is added here and to restart.sh).
 */
@ExtendWith(SharedStack.class)
class ChaosHarness {

    /** The services whose health is checked at the end. */
    private static final List<String> SERVICES = List.of("analyzer-svc", "builder-svc", "verifier-svc");
    /** What the chaos kills with SIGKILL by default (restart.sh --crash NAME); -Dchaos.targets overrides it. */
    private static final String KILL_TARGETS = String.join(",", SERVICES) + ",sandbox-runner";

    @Test
    void migrationsSurviveKillsOfEveryServiceAndRestartsOfKafkaAndTheRegistry() throws Exception {
        int count = Integer.getInteger("chaos.migrations", 20);
        int kills = Integer.getInteger("chaos.kills", 10);
        int restarts = Integer.getInteger("chaos.restarts", 2);
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
        List<String> targets = List.of(System.getProperty("chaos.targets", KILL_TARGETS).split(","));
        Random random = new Random(seed);
        log("seed %d: %d migrations, %d kills each of %s, %d restarts of Kafka and of the registry", seed, count, kills,
                targets, restarts);
        Leftovers before = Leftovers.now();

        List<String> events = new ArrayList<>();
        for (String target : targets) {
            events.addAll(Collections.nCopies(kills, target));
        }
        events.addAll(Collections.nCopies(restarts, "kafka"));
        events.addAll(Collections.nCopies(restarts, "registry"));
        Collections.shuffle(events, random);

        // The pushes are spread over about the first half of the chaos (each event takes some 20 s: a restart and
        // the wait for readiness), so that migrations are in flight all along.
        long spacing = events.size() * 10_000L / count;
        Map<String, Digest> pushed = new ConcurrentHashMap<>();
        ExecutorService pusher = Executors.newSingleThreadExecutor();
        long start = System.nanoTime();
        Random pushRandom = new Random(seed + 1);
        Future<?> pushes = pusher.submit(() -> {
            for (int i = 0; i < count; i++) {
                String repository = "chaos/app-" + i;
                pushed.put(repository, pushWithRetries(repository, i));
                sleep(spacing / 2 + (long) (pushRandom.nextDouble() * spacing));
            }
            return null;
        });
        Map<String, Integer> done = new TreeMap<>();
        Map<String, List<Double>> backAfter = new TreeMap<>();
        for (String target : events) {
            sleep(1000 + random.nextInt(5000));
            long t = System.nanoTime();
            switch (target) {
                case "kafka", "registry" -> LocalStack.script("restart.sh", target);
                default -> LocalStack.script("restart.sh", "--crash", target);
            }
            done.merge(target, 1, Integer::sum);
            backAfter.computeIfAbsent(target, k -> new ArrayList<>()).add((System.nanoTime() - t) / 1e9);
            log("%s %s (%d s into the chaos, %.1f s to be back)", Set.of("kafka", "registry").contains(target)
                    ? "restarted" : "killed and restarted", target, TimeUnit.NANOSECONDS.toSeconds(t - start), (System.nanoTime() - t) / 1e9);
        }
        pushes.get(30, TimeUnit.MINUTES);
        pusher.shutdown();
        Duration chaos = Duration.ofNanos(System.nanoTime() - start);
        log("chaos over after %d s: %s", chaos.toSeconds(), done);
        backAfter.forEach((target, seconds) -> log("%s back after (s): min %.1f, median %.1f, max %.1f", target,
                Collections.min(seconds), seconds.stream().sorted().toList().get(seconds.size() / 2),
                Collections.max(seconds)));

        // A push whose notification was still in the registry's retry queue when the registry restarted is gone: the
        // registry keeps that queue in memory. Such pushes are asked for through the API, as a person would.
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).until(() -> pushed.keySet().stream()
                .allMatch(r -> !LocalStack.migrationsOf(r).isEmpty()) || waited(start, chaos.plusMinutes(2)));
        int asked = 0;
        for (Map.Entry<String, Digest> p : pushed.entrySet()) {
            if (LocalStack.migrationsOf(p.getKey()).isEmpty()) {
                asked++;
                LocalStack.post("/api/migrations", "{\"image\":\"" + LocalStack.REGISTRY + "/" + p.getKey() + "@"
                        + p.getValue() + "\"}");
            }
        }
        log("%d pushes had no migration after the chaos (their notification was lost with the registry's queue)", asked);

        Map<String, JsonNode> finals = new LinkedHashMap<>();
        for (String repository : pushed.keySet()) {
            await().atMost(Duration.ofMinutes(2)).until(() -> !LocalStack.migrationsOf(repository).isEmpty());
            String id = LocalStack.migrationsOf(repository).get(0).get("id").asText();
            finals.put(repository, LocalStack.awaitFinal(id, Duration.ofMinutes(15)));
        }
        log("every migration ended %d s after the chaos began: %s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start),
                finals.values().stream().collect(Collectors.groupingBy(m -> m.get("state").asText(), TreeMap::new,
                        Collectors.counting())));
        // Why those that did not succeed ended so (the busybox test images fail the verifier's no-shell check by design:
        // their program is a shell), so that a failure caused by the chaos itself shows.
        finals.values().stream().filter(m -> !"SUCCEEDED".equals(m.get("state").asText()))
                .collect(Collectors.groupingBy(m -> m.get("state").asText() + ": " + shortReason(m), TreeMap::new,
                        Collectors.counting()))
                .forEach((reason, n) -> log("  %d × %s", n, reason));

        checkOneEndingEach(pushed, finals);
        checkResultTagsAreWhole(pushed, finals);
        settle();
        Leftovers after = Leftovers.now();
        log("left behind: before %s, after %s", before, after);
        assertThat(after.workEntries()).as("work directories").isEmpty();
        assertThat(after.containers()).as("runc containers").isSubsetOf(before.containers());
        assertThat(after.mounts()).as("mounts under the stack's state").isEqualTo(before.mounts());
        assertThat(after.containerProcesses()).as("processes inside container roots").isEmpty();
        assertThat(after.namedNetworkNamespaces()).as("named network namespaces").isEqualTo(before.namedNetworkNamespaces());
        for (String svc : SERVICES) {
            assertThat(LocalStack.get(LocalStack.service(svc), "/q/health/ready").statusCode()).as(svc + " ready").isEqualTo(200);
            assertThat(LocalStack.get(LocalStack.service(svc), "/q/health/live").statusCode()).as(svc + " live").isEqualTo(200);
        }
    }

    /** Per migration: exactly one final event (counted by event id: a republished event is the same event), agreeing with its state. */
    private static void checkOneEndingEach(Map<String, Digest> pushed, Map<String, JsonNode> finals) {
        Set<String> ids = finals.values().stream().map(m -> m.get("id").asText()).collect(Collectors.toSet());
        Map<String, List<MigrationEvent>> byMigration = EventLog.all(LocalStack.KAFKA).stream()
                .filter(e -> ids.contains(e.migrationId())).collect(Collectors.groupingBy(MigrationEvent::migrationId));
        int takeovers = 0;
        for (JsonNode m : finals.values()) {
            String id = m.get("id").asText();
            List<MigrationEvent> events = byMigration.get(id);
            List<MigrationEvent> endings = events.stream().filter(e -> e instanceof StageFailed || e instanceof MigrationVerified)
                    .collect(Collectors.toMap(MigrationEvent::eventId, e -> e, (a, b) -> a, LinkedHashMap::new))
                    .values().stream().toList();
            assertThat(endings).as("final events of %s", id).hasSize(1);
            MigrationEvent ending = endings.get(0);
            String state = m.get("state").asText();
            if (ending instanceof MigrationVerified v) {
                assertThat(state).as(id).isEqualTo(v.verdict().name());
            } else {
                assertThat(state).as(id).isEqualTo(((StageFailed) ending).outcome().name());
            }
            takeovers += (int) events.stream().filter(e -> e instanceof StageStarted s && s.work() != null)
                    .map(e -> ((StageStarted) e).work() + " " + ((StageStarted) e).stage())
                    .collect(Collectors.groupingBy(k -> k, Collectors.counting())).values().stream()
                    .mapToLong(n -> n - 1).sum();
        }
        log("one final event and state each; %d stage inputs were taken up again after a crash", takeovers);
    }

    /** Every result tag points at a whole image: manifest, config and every layer there and matching their digests. */
    private static void checkResultTagsAreWhole(Map<String, Digest> pushed, Map<String, JsonNode> finals) throws Exception {
        RegistryClient client = RegistryClient.builder().build();
        int checked = 0;
        for (String repository : pushed.keySet()) {
            JsonNode tags = LocalStack.json(LocalStack.get("http://" + LocalStack.REGISTRY, "/v2/" + repository + "/tags/list"));
            Set<String> resultDigests = new java.util.HashSet<>(finals.get(repository).at("/results").findValuesAsText("digest"));
            for (JsonNode t : tags.path("tags")) {
                if (!t.asText().contains("-distroless")) {
                    continue;
                }
                ImageReference ref = ImageReference.parse(LocalStack.REGISTRY + "/" + repository + ":" + t.asText());
                ResolvedImage image = client.resolve(ref, Platform.LINUX_AMD64);
                for (Descriptor layer : image.layers()) {
                    try (InputStream in = client.openBlob(ref, layer)) {
                        in.transferTo(java.io.OutputStream.nullOutputStream());  // verifies size and digest
                    }
                }
                assertThat(resultDigests).as("%s is a result of its migration", ref).contains(image.manifestDigest().toString());
                checked++;
            }
            if (!Set.of("SUCCEEDED", "NEEDS_REVIEW").contains(finals.get(repository).get("state").asText())
                    && finals.get(repository).at("/results").isEmpty()) {
                assertThat(tags.path("tags").toString()).as("%s: a migration without results tagged nothing", repository)
                        .doesNotContain("-distroless");
            }
        }
        log("%d result tags checked: each a whole image of its own migration", checked);
    }

    private static String shortReason(JsonNode migration) {
        String reason = migration.path("reasons").path(0).asText("(no reason)");
        // Digests, ids and addresses differ per migration; the rest of the reason groups them.
        reason = reason.replaceAll("sha256:[0-9a-f]{64}", "sha256:…").replaceAll("m-[0-9a-f]{24}", "m-…")
                .replaceAll("chaos/app-\\d+", "chaos/app-N");
        return reason.length() > 160 ? reason.substring(0, 160) + "…" : reason;
    }

    private static Digest pushWithRetries(String repository, int i) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            try {
                if (i % 10 == 9) {
                    // A real program too: the musl fixture (a program, its library and a plugin it dlopen()s).
                    FixtureImages.push("musl-plugin", LocalStack.REGISTRY + "/" + repository + ":1");
                    return TestImages.USER.headDigest(ImageReference.parse(LocalStack.REGISTRY + "/" + repository + ":1"));
                }
                return TestImages.busyboxHttpd("chaos " + i).push(TestImages.USER,
                        ImageReference.parse(LocalStack.REGISTRY + "/" + repository + ":1"));
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not push " + repository + " for 5 minutes", e);
                }
                sleep(2000);  // the registry is restarting
            }
        }
    }

    /** Gives services that just finished their last work a moment to delete it. */
    private static void settle() {
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2)).until(() -> {
            Leftovers l = Leftovers.now();
            return l.workEntries().isEmpty() && l.containerProcesses().isEmpty();
        });
    }

    private static boolean waited(long start, Duration d) {
        return System.nanoTime() - start > d.toNanos();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void log(String format, Object... args) {
        System.out.printf("ChaosHarness: " + format + "%n", args);
    }

    /**
     * What work leaves on the host, read from outside the services: entries in their work directories (besides each
     * live instance's own empty directory and its lock, and the layer caches' entries, kept by design), runc
     * containers (the default root, which other work on the machine may use too, and every sandbox's below the work
     * directories), mounts (any kind: bind, overlay, proc,
     * tmpfs…) below the stack's state directory or the verifier's work root, processes whose root is inside either
     * (a container's), named network namespaces.
     */
    record Leftovers(List<String> workEntries, List<String> containers, List<String> mounts, List<String> containerProcesses,
            List<String> namedNetworkNamespaces) {

        static Leftovers now() throws IOException, InterruptedException {
            Path state = LocalStack.stateDir().toRealPath();
            List<String> work = new ArrayList<>();
            List<String> containers = new ArrayList<>(run("runc", "list", "--quiet"));
            // The builder and analyzer work below DISTILL_WORK_DIR; the verifier in a short root of this stack's own
            // (runc's socket paths must stay short), and its sandbox runner beside it (deploy/local/lib.sh).
            List<Path> roots = List.of(state.resolve("builder-svc/work"), state.resolve("analyzer-svc/work"),
                    LocalStack.VERIFY_WORK, Path.of(LocalStack.VERIFY_WORK + "-runner"));
            for (Path root : roots) {
                if (!Files.isDirectory(root)) {
                    continue;
                }
                try (Stream<Path> walk = Files.walk(root, 3)) {
                    for (Path p : walk.toList()) {
                        if (p.equals(root)) {
                            continue;
                        }
                        String name = p.getFileName().toString();
                        boolean instanceDir = p.getParent().equals(root) && name.startsWith("instance-")
                                || name.equals(".lock") && p.getParent().getFileName().toString().startsWith("instance-");
                        // The layer caches (lib.sh: <work>/cache) keep their entries by design; only a partial file in
                        // their tmp (a writer killed mid-write) is left-over work.
                        Path cache = root.resolve("cache");
                        if (p.equals(cache) || p.equals(cache.resolve("tmp")) || p.startsWith(cache.resolve("entries"))) {
                            continue;
                        }
                        if (name.equals("runc") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                            containers.addAll(run("runc", "--root", p.toString(), "list", "--quiet"));
                        }
                        // The verifier's layer trees (issue 15) are a cache meant to outlive every migration.
                        boolean layerTrees = p.startsWith(root.resolve("layer-trees"));
                        // So are the layer blobs it keeps for the next verification (socket mode: KeptBlobs).
                        boolean keptBlobs = p.startsWith(root.resolve("kept-blobs"));
                        if (!instanceDir && !layerTrees && !keptBlobs) {
                            work.add(p.toString());
                        }
                    }
                }
            }
            // The verifier's work root is outside the state directory (short runc paths): look below both.
            List<Path> stackDirs = new ArrayList<>(List.of(state));
            if (Files.isDirectory(LocalStack.VERIFY_WORK)) {
                stackDirs.add(LocalStack.VERIFY_WORK.toRealPath());
            }
            List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(l -> l.split(" ")[4]).filter(m -> stackDirs.stream().anyMatch(d -> Path.of(m).startsWith(d)))
                    .sorted().toList();
            List<String> processes = new ArrayList<>();
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                    try {
                        Path root = Files.readSymbolicLink(p.resolve("root"));
                        if (stackDirs.stream().anyMatch(root::startsWith)) {
                            processes.add(p.getFileName() + " " + root);
                        }
                    } catch (IOException | SecurityException e) {
                        // gone meanwhile, or not readable
                    }
                }
            }
            List<String> netns = run("ip", "netns", "list");
            return new Leftovers(work, containers, mounts, processes, netns);
        }

        private static List<String> run(String... command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor(30, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                return List.of();
            }
            return out.lines().filter(l -> !l.isBlank()).toList();
        }
    }
}
