package dev.distill.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** Drives the scripts under deploy/local, the same ones a newcomer runs, and talks HTTP to the stack. */
final class LocalStack {

    /**
     * deploy/local/lib.sh's {@code DISTILL_PORT_OFFSET}: every port of the stack shifted, so a second stack can run
     * beside a developer's (or another checkout's) on one machine.
     */
    static final int PORT_OFFSET = Integer.parseInt(System.getenv().getOrDefault("DISTILL_PORT_OFFSET", "0"));
    static final String API = "http://127.0.0.1:" + (8080 + PORT_OFFSET);
    static final String REGISTRY = "127.0.0.1:" + (5000 + PORT_OFFSET);
    static final String KAFKA = "127.0.0.1:" + (9092 + PORT_OFFSET);
    static final String PROMETHEUS = "http://127.0.0.1:" + (9090 + PORT_OFFSET);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINAL = Set.of("SUCCEEDED", "NEEDS_REVIEW", "BLOCKED", "FAILED");

    private LocalStack() {
    }

    static Path root() {
        String configured = System.getProperty("distill.repo.root");
        Path start = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("deploy/local"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find deploy/local above " + start);
    }

    static Path stateDir() {
        return root().resolve("e2e-tests/target/stack-state");
    }

    /** Runs a script of deploy/local and fails with its output if it does not succeed in time. */
    static void script(String name, String... args) {
        Path logs = root().resolve("e2e-tests/target/stack-scripts.log");
        try {
            Files.createDirectories(logs.getParent());
            List<String> command = new java.util.ArrayList<>(List.of("bash", root().resolve("deploy/local/" + name).toString()));
            command.addAll(List.of(args));
            ProcessBuilder builder = new ProcessBuilder(command).directory(root().toFile());
            // Its own state (Kafka log, registry storage, logs) under target/, apart from a developer's stack.
            builder.environment().put("DISTILL_STATE_DIR", stateDir().toString());
            // The services inherit it: every verification runs two containers, and the crash test verifies many
            // migrations in a row; one second up is proof enough that a program did not die at start.
            builder.environment().put("DISTILL_VERIFY_STAYS_UP", "1s");
            Process p = builder
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.toFile()))
                    .start();
            p.getOutputStream().close();
            if (!p.waitFor(6, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(name + " did not finish in 6 minutes; see " + logs);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError(name + " " + String.join(" ", args) + " exited " + p.exitValue() + ":\n" + tail(logs));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + name + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + name, e);
        }
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (" + response.statusCode() + "): " + response.body(), e);
        }
    }

    /** The migrations of a repository ({@code e2e/app}), newest first. */
    static List<JsonNode> migrationsOf(String repository) {
        List<JsonNode> out = new ArrayList<>();
        json(get("/api/migrations?limit=500&repository=" + repository)).get("migrations").forEach(out::add);
        return out;
    }

    /** Waits until the migration is in a final state and returns its status document. */
    static JsonNode awaitFinal(String id, Duration atMost) {
        JsonNode[] last = new JsonNode[1];
        Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(300)).until(() -> {
            HttpResponse<String> r = get("/api/migrations/" + id);
            last[0] = r.statusCode() == 200 ? json(r) : null;
            return last[0] != null && FINAL.contains(last[0].get("state").asText());
        });
        return last[0];
    }

    static HttpResponse<String> get(String path) {
        return get(API, path);
    }

    static HttpResponse<String> get(String base, String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /**
     * Starts one more analyzer-svc instance on another port, with the environment the scripts give the first
     * (from {@code lib.sh}), and waits until it is ready. The caller destroys the process.
     */
    static Process startExtraAnalyzer(int port) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx384m", "-jar",
                root().resolve("analyzer-svc/target/quarkus-app/quarkus-run.jar").toString())
                .directory(root().toFile())
                .redirectErrorStream(true)
                .redirectOutput(stateDir().resolve("logs/analyzer-svc-" + port + ".log").toFile());
        Map<String, String> vars = builder.environment();
        ProcessBuilder lister = new ProcessBuilder("bash", "-c", "source deploy/local/lib.sh && svc_env analyzer-svc")
                .directory(root().toFile());
        lister.environment().put("DISTILL_STATE_DIR", stateDir().toString());
        Process listing = lister.start();
        for (String line : new String(listing.getInputStream().readAllBytes()).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                vars.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        listing.waitFor();
        vars.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        vars.put("DISTILL_WORK_DIR", stateDir().resolve("analyzer-svc-" + port).toString());
        Process p = builder.start();
        String base = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return p;
                }
            } catch (IOException e) {
                // not listening yet
            }
            if (!p.isAlive()) {
                throw new AssertionError("the extra analyzer exited with " + p.exitValue());
            }
            Thread.sleep(500);
        }
        p.destroyForcibly();
        throw new AssertionError("the extra analyzer on port " + port + " did not become ready");
    }

    static HttpResponse<String> post(String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(API + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException("HTTP call failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
}
