package dev.distill.engine.testing;

import dev.distill.engine.image.ImageReference;
import dev.distill.engine.registry.Credential;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.registry.RegistryCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real CNCF distribution registry (Debian's {@code docker-registry}) on a free loopback port, storing into a
 * temporary directory that is deleted on {@link #close()}. Starts in well under a second.
 *
 * <pre>{@code
 * static LocalRegistry registry = LocalRegistry.start();
 * @AfterAll static void stop() { registry.close(); }
 * }</pre>
 *
 * <p>With {@link Builder#basicAuth} the registry requires HTTP Basic authentication from an htpasswd file; that
 * needs {@code org.wildfly.security:wildfly-elytron-password-impl} on the test classpath for bcrypt.
 */
public final class LocalRegistry implements AutoCloseable {

    public static final Path DEFAULT_BINARY = Path.of("/usr/bin/docker-registry");

    static final String NOT_INSTALLED =
            "docker-registry is not installed: run `apt-get install docker-registry` (deploy/local/install-prereqs.sh does it)";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    private static final int PORT_ATTEMPTS = 3;

    private final Path directory;
    private final Process process;
    private final String host;
    private final Credential credential;
    private final Thread shutdownHook;
    private boolean closed;

    private LocalRegistry(Path directory, Process process, String host, Credential credential) {
        this.directory = directory;
        this.process = process;
        this.host = host;
        this.credential = credential;
        // A test JVM that dies without closing must not leave a registry running.
        this.shutdownHook = new Thread(process::destroyForcibly, "stop-local-registry");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** An anonymous registry. */
    public static LocalRegistry start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:<port>}, the registry part of references to this registry. */
    public String host() {
        return host;
    }

    /** A reference into this registry, e.g. {@code reference("demo/app:1")}. */
    public ImageReference reference(String repositoryAndTag) {
        return ImageReference.parse(host + "/" + repositoryAndTag);
    }

    /** The login the registry requires, if it requires one. */
    public Optional<Credential> credential() {
        return Optional.ofNullable(credential);
    }

    /** A client that logs in when the registry requires it. */
    public RegistryClient client() {
        RegistryClient.Builder builder = RegistryClient.builder().readTimeout(Duration.ofSeconds(10));
        if (credential != null) {
            builder.credentials(RegistryCredentials.fromMap(Map.of(host, credential)));
        }
        return builder.build();
    }

    /** Where the registry stores blobs and repositories. */
    public Path storage() {
        return directory.resolve("storage");
    }

    /** What the registry has logged so far, for diagnosing a failing test. */
    public String log() {
        try {
            return Files.readString(directory.resolve("registry.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    /** Stops the registry and deletes its storage. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is shutting down already; the hook runs anyway.
        }
        deleteRecursively(directory);
    }

    @Override
    public String toString() {
        return "LocalRegistry[" + host + (credential == null ? "" : ", basic auth") + "]";
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.deleteIfExists(path);
                } catch (IOException e) {
                    // Left behind in the temp directory; not worth failing a test over.
                }
            });
        } catch (IOException e) {
            // Same: a leftover temp directory is harmless.
        }
    }

    /** Options for the registry; {@link #start()} launches it. */
    public static final class Builder {

        private Path readOnlySeed;

        private Path binary = DEFAULT_BINARY;
        private Credential credential;
        private URI notificationUrl;
        private String notificationSecret;

        private Builder() {
        }

        /** Requires HTTP Basic authentication with this one user (htpasswd with a bcrypt hash). */
        public Builder basicAuth(String username, String password) {
            this.credential = new Credential(username, password);
            if (username.contains(":")) {
                throw new IllegalArgumentException("an htpasswd user name cannot contain ':', got '" + username + "'");
            }
            return this;
        }

        /**
         * Sends push notifications (the registry's event envelopes) to the URL, with
         * {@code Authorization: Bearer <secret>} when a secret is given.
         */
        /**
         * Serves a copy of another registry's storage read-only: every pull works, every push is refused by the
         * registry itself (405), as a registry in maintenance mode does.
         */
        public Builder readOnlyCopyOf(Path storage) {
            this.readOnlySeed = storage;
            return this;
        }

        public Builder notifications(URI url, String bearerSecret) {
            this.notificationUrl = url;
            this.notificationSecret = bearerSecret;
            return this;
        }

        /** Another registry binary; for testing this helper. */
        Builder binary(Path binary) {
            this.binary = binary;
            return this;
        }

        /**
         * Starts the registry and waits until {@code GET /v2/} answers.
         *
         * @throws IllegalStateException when docker-registry is not installed or does not come up; the message
         *     says what to do or carries the registry's log
         */
        public LocalRegistry start() {
            if (!Files.isExecutable(binary)) {
                throw new IllegalStateException(NOT_INSTALLED);
            }
            Path directory;
            try {
                directory = Files.createTempDirectory("distill-registry-");
                Files.createDirectories(directory.resolve("storage"));
                if (readOnlySeed != null) {
                    copyTree(readOnlySeed, directory.resolve("storage"));
                }
                if (credential != null) {
                    Files.writeString(directory.resolve("htpasswd"),
                            credential.username() + ":" + Bcrypt.hash(credential.password()) + "\n");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare a directory for the local registry", e);
            }
            IllegalStateException last = null;
            // The free port is found by binding and releasing it, so another process may grab it meanwhile: retry.
            for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                try {
                    return launch(directory, "127.0.0.1:" + freePort());
                } catch (IllegalStateException e) {
                    last = e;
                }
            }
            deleteRecursively(directory);
            throw last;
        }

        private LocalRegistry launch(Path directory, String host) {
            Path config = directory.resolve("config.yml");
            Path log = directory.resolve("registry.log");
            Process process;
            try {
                Files.writeString(config, config(directory, host));
                ProcessBuilder builder = new ProcessBuilder(binary.toString(), "serve", config.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
                // REGISTRY_* variables override the config file; a developer's shell must not change the test registry.
                builder.environment().keySet().removeIf(name -> name.startsWith("REGISTRY_"));
                process = builder.start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start " + binary + ": " + e.getMessage(), e);
            }
            LocalRegistry registry = new LocalRegistry(directory, process, host, credential);
            try {
                awaitReady(process, host, log);
                return registry;
            } catch (RuntimeException e) {
                process.destroyForcibly();
                Runtime.getRuntime().removeShutdownHook(registry.shutdownHook);
                throw e;
            }
        }

        private String config(Path directory, String host) {
            StringBuilder yaml = new StringBuilder()
                    .append("version: 0.1\n")
                    .append("log:\n  level: info\n")
                    .append("storage:\n  filesystem:\n    rootdirectory: ").append(quote(directory.resolve("storage"))).append('\n')
                    .append("  delete:\n    enabled: true\n")
                    .append(readOnlySeed != null ? "  maintenance:\n    readonly:\n      enabled: true\n" : "")
                    .append("http:\n  addr: ").append(host).append('\n')
                    // One instance, so any fixed secret does; it only silences the startup warning.
                    .append("  secret: distill-local-registry\n");
            if (credential != null) {
                yaml.append("auth:\n  htpasswd:\n    realm: distill-local-registry\n    path: ")
                        .append(quote(directory.resolve("htpasswd"))).append('\n');
            }
            if (notificationUrl != null) {
                yaml.append("notifications:\n  endpoints:\n    - name: distill\n      url: ")
                        .append(quote(notificationUrl.toString())).append('\n');
                if (notificationSecret != null) {
                    yaml.append("      headers:\n        Authorization: [").append(quote("Bearer " + notificationSecret)).append("]\n");
                }
                yaml.append("      timeout: 2s\n      threshold: 5\n      backoff: 1s\n");
            }
            return yaml.toString();
        }

        private static String quote(Object value) {
            return "\"" + value.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }

        private static void awaitReady(Process process, String host, Path log) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            HttpRequest ping = HttpRequest.newBuilder(URI.create("http://" + host + "/v2/"))
                    .version(HttpClient.Version.HTTP_1_1).timeout(Duration.ofSeconds(2)).GET().build();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("docker-registry exited with code " + process.exitValue()
                            + " before answering on " + host + "; its log:\n" + tail(log));
                }
                try {
                    int status = http.send(ping, HttpResponse.BodyHandlers.discarding()).statusCode();
                    // 401 is an answer too: the registry is up and wants a login.
                    if (status == 200 || status == 401) {
                        return;
                    }
                } catch (IOException e) {
                    // Not listening yet.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for docker-registry on " + host, e);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for docker-registry on " + host, e);
                }
            }
            throw new IllegalStateException("docker-registry did not answer GET /v2/ on " + host + " within "
                    + START_TIMEOUT.toSeconds() + "s; its log:\n" + tail(log));
        }

        private static String tail(Path log) {
            try {
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
            } catch (IOException e) {
                return "(log unreadable: " + e.getMessage() + ")";
            }
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
            }
        }
    }
}
