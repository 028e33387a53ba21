package dev.distill.engine.verification;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.runtime.ContainerRun;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
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
 * Runs a structure test's command as the only process of a fresh container of the image (its configuration, the
 * command instead of its entrypoint, the test's environment on top), in a sandbox of its own that is removed after.
 * The exit status comes from {@code strace -e trace=none} attached between create and start: a container created by
 * {@code runc create} is nobody's child the JVM could wait for, and strace sees its {@code exit_group}.
 * <p>Limits: stdout and stderr reach the runtime through one pipe, so both fields hold the merged output; setup and
 * teardown commands (several processes in one container) are refused with the reason.
 */
final class RuncCommandRunner implements CommandRunner {

    // strace -f prefixes a line with the pid only once it traces more than one task (runc init's threads); when the
    // command is all that is left, its exit may come without one.
    private static final Pattern EXITED = Pattern.compile("^(?:(\\d+) +)?\\+\\+\\+ (exited with (\\d+)|killed by (SIG[A-Z0-9]+)).*");
    private static final Map<String, Integer> SIGNALS = Map.of("SIGKILL", 9, "SIGTERM", 15, "SIGSEGV", 11, "SIGABRT", 6,
            "SIGINT", 2, "SIGBUS", 7, "SIGQUIT", 3);

    private final Path workDir;
    private final ImageFileSystem image;
    private final RuntimeConfig config;
    private final Duration timeLimit;
    private final Sandbox.Options sandboxOptions;
    private final PrivilegedRuns runs;
    private int commands;

    /**
     * @param sandboxOptions the confinement every command's container gets (its time limit is {@code timeLimit})
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
        if (!invocation.setup().isEmpty() || !invocation.teardown().isEmpty()) {
            throw new IOException("setup and teardown commands need several processes in one container; the verifier "
                    + "runs one process per container (a distroless image has no shell to chain them)");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : config.env()) {
            env.put(e.substring(0, e.indexOf('=')), e.substring(e.indexOf('=') + 1));
        }
        env.putAll(invocation.env());
        List<String> envList = new ArrayList<>();
        env.forEach((k, v) -> envList.add(k + "=" + v));
        RuntimeConfig command = new RuntimeConfig(invocation.command(), envList, config.cwd(), config.user(), config.hostname(),
                config.limits(), config.network(), config.mounts(), config.readOnlyRoot(), config.stopSignal());
        return runs.runCommand(workDir.resolve("command-" + (++commands)), image, command, timeLimit, sandboxOptions);
    }

    /**
     * Runs {@code command} as the only process of a container of {@code image} in a sandbox of its own at {@code dir},
     * removed after: the host side of {@link #run}, in whichever process holds the privileges.
     */
    static CommandOutcome runContained(Path dir, ImageFileSystem image, RuntimeConfig command, Duration timeLimit,
            Sandbox.Options sandboxOptions, SandboxOpener opener) throws IOException, InterruptedException {
        try (Sandbox sandbox = opener.open(dir, sandboxOptions)) {
            ContainerRun run = sandbox.create("command", image, command);
            Path trace = run.bundle().resolve("exit.trace");
            Process strace = attach(run.pid(), trace);
            try {
                run.start();
                if (!run.awaitExit(timeLimit.plusSeconds(5))) {
                    run.stop(Duration.ofSeconds(1));
                }
                strace.waitFor(5, TimeUnit.SECONDS);
            } finally {
                strace.destroyForcibly();
            }
            String output = run.log();
            int exit = exitStatus(Files.readAllLines(trace, StandardCharsets.UTF_8), run.pid());
            if (run.timedOut()) {
                output = output + "\n[distill] killed at the time limit of " + timeLimit.toSeconds() + " s";
            }
            return new CommandOutcome(exit, output, output);
        }
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
