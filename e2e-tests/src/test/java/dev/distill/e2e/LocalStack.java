package dev.distill.e2e;

import static org.awaitility.Awaitility.await;

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
    /**
     * The verifier's work root. Not below the state directory: runc's socket paths must stay short. One per port
     * offset, so that what a stack leaves there is told apart from another stack's work.
     */
    static final Path VERIFY_WORK = Path.of(System.getProperty("java.io.tmpdir"), "distill-verify-e2e-" + PORT_OFFSET);

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

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
        script(Map.of(), name, args);
    }

    /**
     * Runs a script of deploy/local with extra environment (services it starts inherit it, e.g. {@code
     * DISTILL_VERIFY_STAYS_UP}), and fails with its output if it does not succeed in time.
     */
    static void script(Map<String, String> env, String name, String... args) {
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
            builder.environment().put("DISTILL_VERIFY_WORK_DIR", VERIFY_WORK.toString());
            builder.environment().putAll(env);
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

    /** The migrations of a repository ({@code e2e/app}), newest first. */
    static List<JsonNode> migrationsOf(String repository) {
        return Migrations.of(repository);
    }

    /** Waits until the migration is in a final state and returns its status document. */
    static JsonNode awaitFinal(String id, Duration atMost) {
        return Migrations.awaitFinal(id, atMost);
    }

    /** The base URL of a service of the stack (its port from deploy/local/lib.sh). */
    static String service(String name) {
        int port = switch (name) {
            case "analyzer-svc" -> 8080;
            case "builder-svc" -> 8081;
            case "verifier-svc" -> 8082;
            default -> throw new IllegalArgumentException("not a service of the stack: " + name);
        };
        return "http://127.0.0.1:" + (port + PORT_OFFSET);
    }

    /**
     * A token of the user API the stack generated ({@code reader}: read; {@code operator}: read and write), from its
     * state directory, as a user of the stack reads it.
     */
    static String token(String name) {
        try {
            return Files.readString(stateDir().resolve("api-tokens").resolve(name)).strip();
        } catch (IOException e) {
            throw new AssertionError("the stack has no API token '" + name + "' (up.sh writes them): " + e, e);
        }
    }

    /** GET with the operator's token. */
    static HttpResponse<String> get(String path) {
        return get(API, path);
    }

    static HttpResponse<String> get(String base, String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), "operator");
    }

    /** GET with the named token, or none when {@code token} is null. */
    static HttpResponse<String> getAs(String token, String path) {
        return send(HttpRequest.newBuilder(URI.create(API + path)).GET(), token);
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

    /** POST with the operator's token. */
    static HttpResponse<String> post(String path, String json) {
        return postAs("operator", path, json);
    }

    /** POST with the named token, or none when {@code token} is null. */
    static HttpResponse<String> postAs(String token, String path, String json) {
        return send(HttpRequest.newBuilder(URI.create(API + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), token);
    }

    /** The body of an answer as JSON; fails with the status and body when it is not JSON. */
    static JsonNode json(HttpResponse<String> response) {
        return Migrations.json(response);
    }

    /** Polls a migration until it is in a final state (at most 180 s) and returns it. */
    static JsonNode awaitFinal(String id) {
        return Migrations.awaitFinal(id);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String token) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token(token));
        }
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
