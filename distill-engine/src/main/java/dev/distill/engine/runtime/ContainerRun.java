package dev.distill.engine.runtime;

import dev.distill.engine.budget.Activity;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.io.WorkDirectories;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One container of a {@link Sandbox}, from {@code runc create} to {@code runc delete}. It is created stopped before
 * its process runs (so a tracer can attach to {@link #pid()}), then {@link #start()}ed; from then on a watchdog
 * kills it when the sandbox's time limit is up. {@link #close()} always deletes it and, unless the sandbox keeps
 * bundles, removes its bundle.
 */
public final class ContainerRun implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(50);
    /** How often the init process's own entry in {@code /proc} is looked at while waiting for its end: a file read. */
    private static final long EXIT_POLL_MILLIS = 5;

    private final String name;
    private final String id;
    private final Path bundle;
    private final Runc runc;
    private final RuntimeConfig config;
    private final UnpackReport unpack;
    private final OverlayRootfs overlay;
    private final ContainerLog log;
    private final int pid;
    /** The init's start time (/proc/<pid>/stat): another process that gets the pid has another; -1 if unknown. */
    private final long initStartTicks;
    private final ContainerCgroups cgroups;
    private final Duration timeLimit;
    private final ScheduledExecutorService watchdogs;
    private final boolean keepBundle;
    private volatile Instant started;
    private volatile Instant ended;
    private volatile boolean timedOut;
    private volatile ScheduledFuture<?> watchdog;
    private volatile Budget.Tracking budgetTracking;
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger execs = new java.util.concurrent.atomic.AtomicInteger();

    ContainerRun(String name, String id, Path bundle, Runc runc, RuntimeConfig config, UnpackReport unpack, OverlayRootfs overlay, ContainerLog log,
            int pid, ContainerCgroups cgroups, Duration timeLimit, ScheduledExecutorService watchdogs, boolean keepBundle) {
        this.name = name;
        this.id = id;
        this.bundle = bundle;
        this.runc = runc;
        this.config = config;
        this.unpack = unpack;
        this.overlay = overlay;
        this.log = log;
        this.pid = pid;
        this.initStartTicks = startTicks(pid);
        this.cgroups = cgroups;
        this.timeLimit = timeLimit;
        this.watchdogs = watchdogs;
        this.keepBundle = keepBundle;
    }

    /** The name the caller gave; unique within its sandbox. */
    public String name() {
        return name;
    }

    /** runc's id: the name plus a random suffix. */
    public String id() {
        return id;
    }

    public Path bundle() {
        return bundle;
    }

    public RuntimeConfig config() {
        return config;
    }

    public UnpackReport unpack() {
        return unpack;
    }

    /**
     * Why the container's rootfs did not add up to its image (null if it did): an overlay of id-mapped layer trees is
     * checked entry by entry beside the run (see {@code OverlayRootfs}); any other rootfs was checked or written
     * before the container was created.
     *
     * @throws IOException when that check has not ended within {@code timeout}
     */
    public String rootfsProblem(Duration timeout) throws IOException {
        return overlay == null ? null : overlay.awaitCheck(timeout);
    }

    /** The container's init process in the host's pid namespace (after {@code create}, before {@code start}). */
    public int pid() {
        return pid;
    }

    /** The file that names the container's network namespace, to join it or run a probe in it. */
    public Path networkNamespace() {
        return Path.of("/proc", Integer.toString(pid), "ns", "net");
    }

    /**
     * The file that names the container's user namespace (the host's own when the sandbox maps no ids), which owns
     * its network namespace: a pod's other containers join both.
     */
    public Path userNamespace() {
        return Path.of("/proc", Integer.toString(pid), "ns", "user");
    }

    /**
     * What the container used of its limits so far, from its cgroups' counters: read it after {@link #stop} and
     * before {@link #close()}, which removes the cgroups. Unknown (-1) where the host has no such counter.
     */
    public ResourceUsage resourceUsage() {
        if (closed || cgroups.isEmpty()) {
            return ResourceUsage.unknown(config.limits());
        }
        Instant start = started;
        Instant end = ended;
        return cgroups.usage(config.limits(), start == null ? 0 : Duration.between(start, end == null ? Instant.now() : end).toMillis());
    }

    /** Its cgroup directories on the host, as found after {@code runc create}. */
    List<Path> cgroupDirectories() {
        return cgroups.directories();
    }

    /**
     * Runs the container's process; the time limit starts now. It is cut short to what is left of the time budget of
     * the work that runs it ({@link Budget#current()}), and a budget spent early (a cancelled migration) kills it too.
     */
    public void start() throws IOException {
        Budget budget = Budget.current();
        budget.ensureRemaining("start container " + name);
        Runc.Result r = runc.start(id);
        if (!r.ok()) {
            throw new IOException("runc start " + id + " failed (exit " + r.exit() + "): " + r.stderr().strip() + logNote());
        }
        started = Instant.now();
        watchdog = watchdogs.schedule(this::timeUp, budget.cap(timeLimit).toMillis(), TimeUnit.MILLISECONDS);
        budgetTracking = budget.track(new Activity() {
            @Override
            public String describe() {
                return "running container " + name + " for " + Budget.format(Duration.between(started, Instant.now()));
            }

            @Override
            public void abort(String reason) {
                timeUp();
            }
        });
    }

    /** When {@link #start()} returned, or null before. */
    public Instant startedAt() {
        return started;
    }

    /** runc's view, or {@code stopped} once runc no longer knows the container. */
    public ContainerState state() {
        try {
            return runc.state(id).orElse(new ContainerState(id, "stopped", 0));
        } catch (IOException e) {
            return new ContainerState(id, "unknown", 0);
        }
    }

    /**
     * Started and not yet ended. Read from the init process's {@code /proc} entry, as runc itself decides it, without
     * a {@code runc state} process; runc is asked only where that entry cannot be read.
     */
    public boolean isRunning() {
        if (initStartTicks < 0) {
            return state().isRunning();
        }
        return started != null && !initEnded();
    }

    /**
     * Stopped, in runc's word: runc is asked (a process) only once the init's {@code /proc} entry says it ended, or each
     * time where that entry cannot be read.
     */
    private boolean stopped() {
        return initEnded() && state().isStopped();
    }

    /**
     * Whether the init process has ended as runc sees it: its pid is gone, a zombie, or another process's (its start
     * time differs). True when unknown, so that callers then ask runc.
     */
    private boolean initEnded() {
        if (initStartTicks < 0) {
            return true;
        }
        long now = startTicks(pid);
        return now < 0 || now != initStartTicks;
    }

    /**
     * The start time of a live process (field 22 of {@code /proc/<pid>/stat}, clock ticks after boot); -1 if it is
     * gone or a zombie.
     */
    static long startTicks(int pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"), StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, the fields after its last ')' do not.
        int close = stat.lastIndexOf(')');
        String[] fields = close < 0 ? new String[0] : stat.substring(close + 1).strip().split(" ");
        if (fields.length < 20 || fields[0].equals("Z") || fields[0].equals("X")) {
            return -1;
        }
        try {
            return Long.parseLong(fields[19]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether the watchdog killed it at the time limit. */
    public boolean timedOut() {
        return timedOut;
    }

    /**
     * Waits until the container's process has ended, and then for its output to reach the log; false if it still
     * runs after {@code timeout}.
     */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (stopped()) {
                if (ended == null) {
                    ended = Instant.now();
                }
                log.awaitEnd(1000);  // its output is complete once the log reader has seen the end of the pipe
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(initStartTicks < 0 ? POLL.toMillis() : EXIT_POLL_MILLIS);
        }
    }

    /**
     * Asks the process to stop with the image's stop signal and kills it (SIGKILL) if it has not stopped within
     * {@code grace}.
     *
     * @return how it ended
     */
    public StopOutcome stop(Duration grace) throws IOException, InterruptedException {
        return signalStop() ? awaitStop(System.nanoTime() + grace.toNanos()) : StopOutcome.ALREADY_STOPPED;
    }

    /** Sends the image's stop signal; false (and nothing sent) when the container had already stopped. */
    boolean signalStop() throws IOException {
        if (stopped()) {
            return false;
        }
        runc.kill(id, config.stopSignal());
        return true;
    }

    /**
     * Kills the process (SIGKILL) at once, with no stop signal first, and waits for its end: for a run whose shutdown
     * nothing judges.
     *
     * @return {@link StopOutcome#ALREADY_STOPPED} or {@link StopOutcome#KILLED}
     */
    public StopOutcome kill() throws IOException, InterruptedException {
        if (stopped()) {
            return StopOutcome.ALREADY_STOPPED;
        }
        runc.kill(id, "SIGKILL");
        awaitExit(Duration.ofSeconds(5));
        return StopOutcome.KILLED;
    }

    /**
     * After {@link #signalStop()}: waits for the end until {@code deadlineNanos} ({@link System#nanoTime()}), then
     * kills it (SIGKILL).
     */
    StopOutcome awaitStop(long deadlineNanos) throws IOException, InterruptedException {
        if (awaitExit(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())))) {
            // Ended in the grace time: by the signal, unless the time limit's SIGKILL came first.
            return timedOut ? StopOutcome.KILLED : StopOutcome.STOPPED_BY_SIGNAL;
        }
        runc.kill(id, "SIGKILL");
        awaitExit(Duration.ofSeconds(5));
        return StopOutcome.KILLED;
    }

    /** How {@link #stop} ended the container. */
    public enum StopOutcome { ALREADY_STOPPED, STOPPED_BY_SIGNAL, KILLED }

    /** The container's output so far (bounded). */
    public String log() {
        return log.text();
    }

    /** The last lines of the output, for a report. */
    public String logTail(int lines) {
        return log.tail(lines);
    }

    /** The bundle's file that holds the output. */
    public Path logFile() {
        return log.file();
    }

    /**
     * Runs one more process in this container, created or started, and waits for its end: its own args and environment
     * with everything else of the container's process spec (see {@link Runc#exec}), so it is confined as the container's
     * own process is. Several commands of one image thus share one container (created once, never started: its init
     * waits, harmless, until {@link #close()}), each with its own status, output and time limit. At the limit (cut to
     * what is left of the work's {@link Budget}) the process and what it started are killed; the container and the
     * other commands' results stay.
     *
     * @param outputLimit bytes of stdout and of stderr kept (the rest is read and dropped, so the process never blocks)
     * @throws IOException when the process could not be started in the container (runc's reason)
     */
    public ExecOutcome exec(List<String> args, List<String> env, Duration timeLimit, int outputLimit)
            throws IOException, InterruptedException {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
        Duration limit = Budget.current().cap(timeLimit);
        int n = execs.incrementAndGet();
        Path pidFile = bundle.resolve("exec-" + n + ".pid");
        long begin = System.nanoTime();
        Process p = runc.exec(id, bundle, args, env, bundle.resolve("exec-" + n + ".json"), pidFile);
        ProcessOutput out = ProcessOutput.read(p.getInputStream(), outputLimit, "exec-stdout " + name);
        ProcessOutput err = ProcessOutput.read(p.getErrorStream(), outputLimit, "exec-stderr " + name);
        boolean killed = false;
        try {
            if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                killed = true;
                killExec(pidFile);
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();  // runc exec itself hangs: its process is gone or goes with the container
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            killExec(pidFile);
            p.destroyForcibly();
            throw e;
        }
        // A process it left behind may hold the pipes open: its output is what came until then.
        String stdout = out.text(Duration.ofSeconds(2));
        String stderr = err.text(Duration.ofSeconds(2));
        int status = p.isAlive() ? 137 : p.exitValue();
        if (!Files.exists(pidFile) && !killed) {
            throw new IOException("runc exec in " + id + " could not start " + args + " (exit " + status + "): " + stderr.strip());
        }
        return new ExecOutcome(status, stdout, stderr, killed, Duration.ofNanos(System.nanoTime() - begin));
    }

    /** Kills an exec'd process and what it started (host pids, as root); the container's init is not among them. */
    private static void killExec(Path pidFile) {
        try {
            int execPid = readPid(pidFile);
            ProcessHandle.of(execPid).ifPresent(h -> {
                h.descendants().forEach(ProcessHandle::destroyForcibly);
                h.destroyForcibly();
            });
        } catch (IOException e) {
            // Not started yet or already gone: runc exec is destroyed by the caller.
        }
    }

    /** Kills and deletes the container, ends its log reader and removes the bundle unless asked to keep it. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        ScheduledFuture<?> w = watchdog;
        if (w != null) {
            w.cancel(false);
        }
        Budget.Tracking t = budgetTracking;
        if (t != null) {
            t.close();
        }
        IOException failure = null;
        try {
            Runc.Result r = runc.deleteForce(id);
            if (!r.ok() && runc.state(id).isPresent()) {
                failure = new IOException("runc delete --force " + id + " failed: " + r.stderr().strip());
            }
        } catch (IOException e) {
            failure = e;
        }
        log.close();
        if (overlay != null) {
            try {
                overlay.close();  // unmounted also when the bundle is kept: a mount must not outlive its container
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (!keepBundle) {
            try {
                WorkDirectories.removeTree(bundle);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public String toString() {
        return "container " + name + " (" + id + ", pid " + pid + ")";
    }

    private void timeUp() {
        try {
            if (!state().isStopped()) {
                timedOut = true;
                runc.kill(id, "SIGKILL");
                ended = Instant.now();
            }
        } catch (IOException e) {
            // close() deletes it with --force in any case
        }
    }

    private String logNote() {
        String tail = log.tail(20);
        return tail.isBlank() ? "" : "\n" + tail;
    }

    static int readPid(Path pidFile) throws IOException {
        String text = Files.exists(pidFile) ? Files.readString(pidFile, StandardCharsets.US_ASCII).strip() : "";
        if (!text.matches("\\d{1,9}")) {
            throw new IOException("runc wrote no pid to " + pidFile + ", got '" + text + "'");
        }
        return Integer.parseInt(text);
    }
}
