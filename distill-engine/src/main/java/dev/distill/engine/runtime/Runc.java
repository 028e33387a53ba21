package dev.distill.engine.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code runc} command line, with its own state directory ({@code --root}) so that it lists, and can delete,
 * only the containers of one sandbox. Each call waits for runc to finish, at most {@link #COMMAND_TIMEOUT}.
 */
public final class Runc {

    /** How long one runc command may take; runc itself returns in milliseconds, this only guards a hang. */
    public static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_OUTPUT = 1 << 20;

    private final String binary;
    private final Path stateRoot;

    public Runc(String binary, Path stateRoot) {
        if (binary == null || binary.isBlank() || stateRoot == null || !stateRoot.isAbsolute()) {
            throw new IllegalArgumentException("runc needs a binary and an absolute state directory, got " + binary + ", " + stateRoot);
        }
        this.binary = binary;
        this.stateRoot = stateRoot;
    }

    /** The {@code runc} on the PATH. */
    public Runc(Path stateRoot) {
        this("runc", stateRoot);
    }

    public Path stateRoot() {
        return stateRoot;
    }

    /** The outcome of one runc command: its exit code and what it printed. */
    public record Result(int exit, String stdout, String stderr) {
        public boolean ok() {
            return exit == 0;
        }
    }

    /**
     * {@code runc create}: sets the container up and stops before its process starts. The container's stdout and
     * stderr are runc's own, so both go to {@code output} (a FIFO whose reader keeps the log), and so do runc's
     * error messages.
     */
    public Result create(String id, Path bundle, Path pidFile, Path output) throws IOException {
        return run(List.of("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id),
                ProcessBuilder.Redirect.to(output.toFile()));
    }

    public Result start(String id) throws IOException {
        return run(List.of("start", id), null);
    }

    /** {@code runc kill id SIGNAL}; signal as a name ({@code SIGTERM}, {@code TERM}) or a number. */
    public Result kill(String id, String signal) throws IOException {
        return run(List.of("kill", id, signal), null);
    }

    /** {@code runc delete --force}: kills what still runs and removes the state and cgroups. */
    public Result deleteForce(String id) throws IOException {
        return run(List.of("delete", "--force", id), null);
    }

    /**
     * Starts {@code runc exec} of another process in the container (created or running): the container's own process
     * spec from its bundle's {@code config.json} (user, capabilities, rlimits, no new privileges) with {@code args} and
     * {@code env} instead, written to {@code processFile}; it joins the container's namespaces and cgroups and gets its
     * seccomp filter, as runc does for every exec. Its stdout and stderr are the returned process's; runc exits with
     * the process's status (128 + the signal when one killed it) and writes its host pid to {@code pidFile} once it
     * runs (no pid file: it never ran, and runc's stderr says why).
     */
    public Process exec(String id, Path bundle, List<String> args, List<String> env, Path processFile, Path pidFile)
            throws IOException {
        JsonNode config = JSON.readTree(bundle.resolve("config.json").toFile());
        JsonNode process = config.path("process");
        if (!process.isObject()) {
            throw new IOException("the bundle " + bundle + " has no process spec to exec with");
        }
        com.fasterxml.jackson.databind.node.ObjectNode spec = ((com.fasterxml.jackson.databind.node.ObjectNode) process).deepCopy();
        spec.put("terminal", false);
        spec.set("args", JSON.valueToTree(args));
        spec.set("env", JSON.valueToTree(env));
        JSON.writeValue(processFile.toFile(), spec);
        List<String> command = new ArrayList<>(List.of(binary, "--root", stateRoot.toString(), "exec", "--process",
                processFile.toString(), "--pid-file", pidFile.toString(), id));
        return new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
    }

    /** The container's state, or empty when runc does not know it (never created, or deleted). */
    public Optional<ContainerState> state(String id) throws IOException {
        Result r = run(List.of("state", id), null);
        if (!r.ok()) {
            return Optional.empty();
        }
        JsonNode node = JSON.readTree(r.stdout());
        return Optional.of(new ContainerState(id, node.path("status").asText("unknown"), node.path("pid").asInt(0)));
    }

    /**
     * The ids runc keeps a state for in this state directory: its subdirectories, read without running runc (a
     * sandbox's check at its close that nothing escaped its bookkeeping). {@link #list()} is runc's own answer.
     */
    public List<String> stateIds() throws IOException {
        if (!Files.isDirectory(stateRoot)) {
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        try (java.util.stream.Stream<Path> entries = Files.list(stateRoot)) {
            entries.filter(Files::isDirectory).forEach(d -> ids.add(d.getFileName().toString()));
        }
        return ids;
    }

    /** The ids of every container in this state directory. */
    public List<String> list() throws IOException {
        Result r = run(List.of("list", "--quiet"), null);
        if (!r.ok()) {
            throw new IOException("runc list failed (exit " + r.exit() + "): " + r.stderr().strip());
        }
        List<String> ids = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (!line.isBlank()) {
                ids.add(line.strip());
            }
        }
        return ids;
    }

    private Result run(List<String> args, ProcessBuilder.Redirect output) throws IOException {
        List<String> command = new ArrayList<>(List.of(binary, "--root", stateRoot.toString()));
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (output != null) {
            pb.redirectOutput(output).redirectErrorStream(true);
        }
        Files.createDirectories(stateRoot);
        Process p = pb.start();
        CompletableFuture<String> out = output == null ? drain(p.getInputStream()) : CompletableFuture.completedFuture("");
        CompletableFuture<String> err = output == null ? drain(p.getErrorStream()) : CompletableFuture.completedFuture("");
        try {
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
            return new Result(p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for " + String.join(" ", command), e);
        }
    }

    // A thread of its own: blocking reads do not belong in the common fork-join pool.
    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (in) {
                byte[] bytes = in.readNBytes(MAX_OUTPUT);
                in.transferTo(OutputStream.nullOutputStream());  // keep runc from blocking on a full pipe
                text.complete(new String(bytes, StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.complete("");
            }
        }, "runc-output");
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
