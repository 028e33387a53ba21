package dev.distill.engine.verification;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.runtime.ContainerRun;
import dev.distill.engine.runtime.ExecOutcome;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.structure.CommandAttempt;
import dev.distill.engine.structure.CommandInvocation;
import dev.distill.engine.structure.CommandOutcome;
import dev.distill.engine.structure.CommandRunner;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs structure tests' commands in a container of the image (its configuration, the command instead of its
 * entrypoint, the test's environment on top), in a sandbox of its own that is removed after. All the commands of one
 * {@link #runAll} share one container: it is created once and never started (its init waits on runc's exec FIFO), and
 * each command is a {@code runc exec} into it, in order, with the container's confinement (user namespace, seccomp,
 * capabilities, no network, cgroup limits), its own exit status, stdout and stderr, and its own time limit: a command
 * that hangs is killed at it and the next one runs. A distroless image has no shell, so nothing is chained in one.
 * <p>Limits: commands of one batch share the container's writable places (the tmpfs on {@code /tmp} and {@code /run});
 * setup and teardown commands are refused with the reason.
 *
 * <p>The static helpers {@link #attach} and {@link #exitStatus} read an exit status with strace, for containers that are
 * started (an init container's process is nobody's child the JVM could wait for).
 */
final class RuncCommandRunner implements CommandRunner {

    // strace -f prefixes a line with the pid only once it traces more than one task (runc init's threads); when the
    // command is all that is left, its exit may come without one.
    private static final Pattern EXITED = Pattern.compile("^(?:(\\d+) +)?\\+\\+\\+ (exited with (\\d+)|killed by (SIG[A-Z0-9]+)).*");
    private static final Map<String, Integer> SIGNALS = Map.of("SIGKILL", 9, "SIGTERM", 15, "SIGSEGV", 11, "SIGABRT", 6,
            "SIGINT", 2, "SIGBUS", 7, "SIGQUIT", 3);
    /** Bytes of each command's stdout and of its stderr kept. */
    static final int OUTPUT_LIMIT = 1 << 20;

    private final Path workDir;
    private final ImageFileSystem image;
    private final RuntimeConfig config;
    private final Duration timeLimit;
    private final Sandbox.Options sandboxOptions;
    private final PrivilegedRuns runs;
    private int batches;

    /**
     * @param timeLimit the longest one command may run
     * @param sandboxOptions the confinement of the commands' container
     * @param runs where the container runs: in this process or in the privileged runner
     */
    RuncCommandRunner(Path workDir, ImageFileSystem image, RuntimeConfig config, Duration timeLimit, Sandbox.Options sandboxOptions,
            PrivilegedRuns runs) {
        this.workDir = workDir;
        this.image = image;
        this.config = config;
        this.timeLimit = timeLimit;
        this.sandboxOptions = sandboxOptions.withTimeLimit(timeLimit);
        this.runs = runs;
    }

    RuncCommandRunner(Path workDir, ImageFileSystem image, RuntimeConfig config, Duration timeLimit, Sandbox.Options sandboxOptions) {
        this(workDir, image, config, timeLimit, sandboxOptions, PrivilegedRuns.inProcess());
    }

    @Override
    public CommandOutcome run(CommandInvocation invocation) throws IOException, InterruptedException {
        CommandAttempt attempt = runAll(List.of(invocation)).get(0);
        if (attempt.error() != null) {
            throw new IOException(attempt.error());
        }
        return attempt.outcome();
    }

    @Override
    public List<CommandAttempt> runAll(List<CommandInvocation> invocations) throws InterruptedException {
        CommandAttempt[] attempts = new CommandAttempt[invocations.size()];
        List<RuntimeConfig> commands = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < invocations.size(); i++) {
            CommandInvocation invocation = invocations.get(i);
            if (!invocation.setup().isEmpty() || !invocation.teardown().isEmpty()) {
                attempts[i] = CommandAttempt.failed("setup and teardown commands are not run: a distroless image has no "
                        + "shell to chain them, and the commands of one image share one container");
                continue;
            }
            commands.add(command(invocation));
            positions.add(i);
        }
        if (!commands.isEmpty()) {
            List<CommandAttempt> ran;
            try {
                ran = runs.runCommands(workDir.resolve("commands-" + (++batches)), image, commands, timeLimit, sandboxOptions);
            } catch (IOException | RuntimeException e) {
                ran = new ArrayList<>();
                for (int i = 0; i < commands.size(); i++) {
                    ran.add(CommandAttempt.failed(e.getMessage()));
                }
            }
            if (ran.size() != commands.size()) {
                throw new IllegalStateException(ran.size() + " outcomes came for " + commands.size() + " commands");
            }
            for (int i = 0; i < ran.size(); i++) {
                attempts[positions.get(i)] = ran.get(i);
            }
        }
        return List.of(attempts);
    }

    /** The container's config with the invocation's command and its environment on top of the image's. */
    private RuntimeConfig command(CommandInvocation invocation) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : config.env()) {
            env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        env.putAll(invocation.env());
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        return new RuntimeConfig(invocation.command(), envList, config.cwd(), config.user(), config.hostname(),
                config.limits(), config.network(), config.mounts(), config.readOnlyRoot(), config.stopSignal());
    }

    /**
     * Runs the commands, in order, in one container of {@code image} in a sandbox of its own at {@code dir}, removed
     * after: the host side of {@link #runAll}, in whichever process holds the privileges. The commands differ only in
     * their args and environment; the first one's config makes the container.
     *
     * @throws IOException when the container cannot be made (every command fails with it)
     */
    static List<CommandAttempt> runContained(Path dir, ImageFileSystem image, List<RuntimeConfig> commands, Duration timeLimit,
            Sandbox.Options sandboxOptions, SandboxOpener opener) throws IOException, InterruptedException {
        if (commands.isEmpty()) {
            return List.of();
        }
        RuntimeConfig first = commands.get(0);
        for (RuntimeConfig c : commands) {
            if (!new RuntimeConfig(first.args(), first.env(), c.cwd(), c.user(), c.hostname(), c.limits(), c.network(), c.mounts(),
                    c.readOnlyRoot(), c.stopSignal()).equals(first)) {
                throw new IllegalArgumentException("the commands of one container differ only in their args and environment, "
                        + "got " + c + " beside " + first);
            }
        }
        List<CommandAttempt> attempts = new ArrayList<>();
        try (Sandbox sandbox = opener.open(dir, sandboxOptions)) {
            ContainerRun container = sandbox.create("commands", image, first);
            for (RuntimeConfig c : commands) {
                try {
                    ExecOutcome out = container.exec(c.args(), c.env(), timeLimit, OUTPUT_LIMIT);
                    String stderr = out.timedOut() ? out.stderr() + "\n[distill] killed at the time limit of "
                            + timeLimit.toSeconds() + " s" : out.stderr();
                    attempts.add(CommandAttempt.ran(new CommandOutcome(out.exitStatus(), out.stdout(), stderr)));
                } catch (IOException e) {
                    attempts.add(CommandAttempt.failed(e.getMessage()));
                }
            }
        }
        return attempts;
    }

    /** The status of {@code pid} from strace's exit lines: its code, or 128 + the signal that killed it. */
    static int exitStatus(List<String> lines, int pid) throws IOException {
        // Prefer the line of the container's init pid. Without it (a lone task is not prefixed, and a Go runtime may
        // exec from another thread, whose id strace then reports), the last exit is the command's: runc init's
        // threads end at the exec and the command's children end before it.
        Integer last = null;
        for (String line : lines) {
            Matcher m = EXITED.matcher(line);
            if (!m.matches()) {
                continue;
            }
            int status = m.group(3) != null ? Integer.parseInt(m.group(3)) : 128 + SIGNALS.getOrDefault(m.group(4), 0);
            if (m.group(1) != null && Integer.parseInt(m.group(1)) == pid) {
                return status;
            }
            last = status;
        }
        if (last != null) {
            return last;
        }
        throw new IOException("strace saw no exit of pid " + pid + " (" + lines.size() + " lines: "
                + String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size())) + ")");
    }

    static Process attach(int pid, Path output) throws IOException, InterruptedException {
        Process strace = new ProcessBuilder("strace", "-f", "-e", "trace=none", "-o", output.toString(), "-p",
                Integer.toString(pid)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (tracerOf(pid) != strace.pid()) {
            if (!strace.isAlive() || System.nanoTime() > deadline) {
                strace.destroyForcibly();
                throw new IOException("strace could not attach to pid " + pid + " to see its exit status");
            }
            Thread.sleep(20);
        }
        return strace;
    }

    private static long tracerOf(int pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("TracerPid:")) {
                return Long.parseLong(line.substring("TracerPid:".length()).strip());
            }
        }
        return 0;
    }
}
