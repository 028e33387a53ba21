package dev.distill.engine.verification;

import dev.distill.engine.runtime.BindMount;
import dev.distill.engine.runtime.ContainerRun;
import dev.distill.engine.runtime.NetworkMode;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Pod;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.ResourceUsage;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.runtime.probe.ProbeResult;
import dev.distill.engine.runtime.probe.Prober;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import dev.distill.engine.runtime.trace.StraceSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs one pod in a fresh sandbox, traced from before its first instruction, and probes it: TCP on every port,
 * HTTP on the ports asked for (twice, to tell a deterministic body), then whether it is still up the stays-up time
 * after its start (the other probes run inside that window). Whatever goes
 * wrong is recorded in the {@link Verification.Run}; only the sandbox's own cleanup may throw.
 */
final class SandboxRun {

    private static final int BODY_KEPT = 2048;
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);
    /** How long a rootfs's check beside the run is waited for after it: a listing ends within 60 s. */
    private static final Duration ROOTFS_CHECK_WAIT = Duration.ofSeconds(90);

    /**
     * @param programs container name to program name, for the per-program misses
     * @param httpChecks the GETs to send; a null expected status is not possible, the caller decides it
     * @param expectedWrites per program, the files it must make during the run (what its source made): each program
     *     with some gets a {@code writes} probe, which waits for them up to the probe deadline
     * @param settle places where programs that listen on nothing do their work: before the run ends, it waits (up to
     *     the probe deadline) until nothing new appears there for {@link #SETTLED}, so that slow starters (a worker
     *     behind supervisord under strace) have done what they do
     * @param init containers that run to completion, in order, before the pod's start: in its network namespace, with
     *     their mounts of its volumes
     * @param killAtEnd the run's containers are killed once probed instead of given their stop signal and its grace:
     *     for a run whose shutdown nothing judges (the source's; a result's stop is judged, see {@link #STOP_GRACE})
     */
    record Plan(PodSpec spec, Map<String, String> programs, List<Integer> tcpPorts, List<HttpCheck> httpChecks,
            Map<String, List<String>> expectedWrites, List<String> settle, List<PodSpec.Member> init, boolean killAtEnd) {

        Plan {
            init = init == null ? List.of() : List.copyOf(init);
        }

        Plan(PodSpec spec, Map<String, String> programs, List<Integer> tcpPorts, List<HttpCheck> httpChecks,
                Map<String, List<String>> expectedWrites, List<String> settle, List<PodSpec.Member> init) {
            this(spec, programs, tcpPorts, httpChecks, expectedWrites, settle, init, false);
        }

        Plan(PodSpec spec, Map<String, String> programs, List<Integer> tcpPorts, List<HttpCheck> httpChecks,
                Map<String, List<String>> expectedWrites, List<String> settle) {
            this(spec, programs, tcpPorts, httpChecks, expectedWrites, settle, List.of());
        }

        /** This plan with its containers killed once probed: see {@code killAtEnd}. */
        Plan killedAtEnd() {
            return new Plan(spec, programs, tcpPorts, httpChecks, expectedWrites, settle, init, true);
        }

        Plan(PodSpec spec, Map<String, String> programs, List<Integer> tcpPorts, List<HttpCheck> httpChecks) {
            this(spec, programs, tcpPorts, httpChecks, Map.of(), List.of());
        }
    }

    /** How long nothing new must appear in the places of the workers before their work counts as done. */
    static final Duration SETTLED = Duration.ofSeconds(2);

    /**
     * A run plus, per HTTP port, the whole body of the first and of a second GET (null when there was none), and per
     * program the trace of its container (none when strace could not attach).
     */
    record Outcome(Verification.Run run, Map<Integer, String> firstBodies, Map<Integer, String> secondBodies,
            Map<String, FileAccessTrace> traces) {

        static Outcome notRun(String error) {
            return new Outcome(Verification.Run.notRun(error), Map.of(), Map.of(), Map.of());
        }
    }

    private SandboxRun() {
    }

    /**
     * @throws IOException only when the sandbox itself cannot be opened (no id range free, an unusable work
     *     directory): a fault of the host, not of the image, so no run is reported
     */
    static Outcome run(Path dir, Plan plan, MigrationVerifier.Options options, long pullMillis) throws IOException {
        return run(dir, plan, options, pullMillis, Sandbox::open);
    }

    /**
     * Like {@link #run(Path, Plan, MigrationVerifier.Options, long)}, its sandbox opened by {@code opener}: the runner
     * process keeps hold of it, to close it (killing the containers) when the verifier that asked goes away mid-run.
     */
    static Outcome run(Path dir, Plan plan, MigrationVerifier.Options options, long pullMillis, SandboxOpener opener)
            throws IOException {
        return run(dir, plan, options, pullMillis, opener, Teardown.immediate());
    }

    /**
     * Like {@link #run(Path, Plan, MigrationVerifier.Options, long, SandboxOpener)}, the sandbox handed to
     * {@code teardown} once the outcome is known (its containers stopped or killed, their usage and traces read).
     */
    static Outcome run(Path dir, Plan plan, MigrationVerifier.Options options, long pullMillis, SandboxOpener opener,
            Teardown teardown) throws IOException {
        long begin = System.nanoTime();
        List<Verification.Probe> probes = new ArrayList<>();
        Map<Integer, String> firstBodies = new LinkedHashMap<>();
        Map<Integer, String> secondBodies = new LinkedHashMap<>();
        Map<String, List<String>> missing = new LinkedHashMap<>();
        Map<String, List<String>> opened = new LinkedHashMap<>();
        Map<String, FileAccessTrace> parsed = new LinkedHashMap<>();
        Map<String, ResourceUsage> usage = new LinkedHashMap<>();
        Map<String, String> stops = new LinkedHashMap<>();
        Map<String, List<String>> denied = new LinkedHashMap<>();
        Map<String, List<String>> written = new LinkedHashMap<>();
        Map<String, Integer> ended = new LinkedHashMap<>();
        String log = "";
        List<Verification.InitRun> inits = new ArrayList<>();
        boolean timedOut = false;
        long unpack = 0;
        long start = 0;
        long probing = 0;
        String rootfs = "";
        Sandbox sandbox = opener.open(dir, MigrationVerifier.sandboxOptions(options));
        VerifyTimeline.step("sandbox open", begin);
        try {
            long t = System.nanoTime();
            Pod pod = Pod.create(sandbox, plan.spec());
            long created = millisSince(t);
            for (ContainerRun c : pod.containers()) {
                unpack += c.unpack().took().toMillis();
            }
            VerifyTimeline.step("pod create (rootfs " + unpack + " ms of it)", t);
            rootfs = pod.containers().stream().map(c -> c.unpack().method()).distinct().collect(Collectors.joining("; "));
            // The init containers run first, each to its end, in the namespace and volumes the programs then use.
            for (PodSpec.Member init : plan.init()) {
                Verification.InitRun r = runInit(sandbox, pod, init, plan.programs().getOrDefault(init.name(), init.name()),
                        options);
                inits.add(r);
                if (!r.succeeded()) {
                    String why = "init container " + r.container() + " (" + String.join(" ", r.command()) + ") "
                            + (r.timedOut() ? "was killed at the time limit" : r.exitStatus() < 0 ? "could not be run"
                            : "exited with " + r.exitStatus()) + ", so the programs were not started: " + r.logExcerpt();
                    return new Outcome(new Verification.Run(false, why, probes, r.logExcerpt(), missing, opened, written,
                            ended, r.timedOut(), new Verification.Timings(pullMillis, unpack, 0, 0,
                            pullMillis + millisSince(begin), rootfs), usage, stops, denied, inits), firstBodies, secondBodies, parsed);
                }
            }
            long attachStart = System.nanoTime();
            Map<String, StraceSession> traces = new LinkedHashMap<>();
            List<String> traceErrors = new ArrayList<>();
            List<String> crashes = new ArrayList<>();
            // Every container's tracer is started before any is waited for: they attach at once.
            Map<String, StraceSession.Attaching> attaching = new LinkedHashMap<>();
            for (ContainerRun c : pod.containers()) {
                try {
                    attaching.put(c.name(), StraceSession.begin(c.pid(), c.bundle().resolve("strace.out")));
                } catch (IOException e) {
                    // Without a trace there are no repair candidates, but the run itself still proves something.
                    traceErrors.add(c.name() + ": " + e.getMessage());
                }
            }
            for (Map.Entry<String, StraceSession.Attaching> a : attaching.entrySet()) {
                try {
                    traces.put(a.getKey(), a.getValue().await());
                } catch (IOException e) {
                    traceErrors.add(a.getKey() + ": " + e.getMessage());
                }
            }
            VerifyTimeline.step("strace attach", attachStart);
            t = System.nanoTime();
            pod.start();
            start = Math.max(0, created - unpack) + millisSince(t);
            // The stays-up window opens now: the port and writes probes run inside it, only what is left is waited.
            long started = System.nanoTime();
            VerifyTimeline.step("start", t);

            t = System.nanoTime();
            Prober prober = Prober.of(pod);
            for (int port : plan.tcpPorts()) {
                probes.add(probe("tcp", port, prober.tcp(port, options.probeDeadline())));
            }
            for (HttpCheck check : plan.httpChecks()) {
                ProbeResult first = prober.http(check, options.probeDeadline());
                probes.add(probe("http", check.port(), first));
                if (first.answer() != null) {
                    firstBodies.put(check.port(), first.answer().body());
                    // A second GET tells whether the body is the same every time (no clock, no counter in it).
                    ProbeResult second = prober.http(new HttpCheck(check.port(), check.path(), first.answer().status()),
                            Duration.ofSeconds(5));
                    secondBodies.put(check.port(), second.answer() == null ? null : second.answer().body());
                }
            }
            plan.expectedWrites().forEach((program, paths) -> {
                if (!paths.isEmpty()) {
                    probes.add(writes(pod, plan.programs(), program, paths, options.probeDeadline()));
                }
            });
            VerifyTimeline.step("probes before stays-up", t);
            long waiting = System.nanoTime();
            probes.add(probe("stays-up", 0, prober.staysUp(options.staysUp(), started)));
            VerifyTimeline.step("stays-up (rest of the window)", waiting);
            if (!plan.settle().isEmpty()) {
                settle(pod, plan.settle(), options.probeDeadline());
            }
            probing = millisSince(t);

            long stopping = System.nanoTime();
            log = logExcerpt(pod, options.logLines());
            Map<String, Integer> endedPids = new LinkedHashMap<>();
            for (ContainerRun c : pod.containers()) {
                if (!c.isRunning()) {
                    endedPids.put(c.name(), c.pid());
                }
            }
            for (ContainerRun c : pod.containers()) {
                // Killed at the time limit before it was asked to stop; a kill during the stop is the stop's outcome.
                timedOut |= c.timedOut();
            }
            try {
                // A shutdown nothing judges is not waited for: supervisord stopping its programs one by one took
                // 0.3-1.1 s of the source's run, which the verdict waits for.
                (plan.killAtEnd() ? pod.kill() : pod.stop(STOP_GRACE)).forEach((container, outcome) -> stops.put(container, outcome.name()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            VerifyTimeline.step("log, stop", stopping);
            stopping = System.nanoTime();
            for (ContainerRun c : pod.containers()) {
                usage.put(c.name(), c.resourceUsage());  // stopped, not yet deleted: the counters are still there
            }
            for (Map.Entry<String, StraceSession> trace : traces.entrySet()) {
                try {
                    Optional<StraceSession.Fault> fault = trace.getValue().killedOnFault();
                    fault.ifPresent(f -> crashes.add(trace.getKey() + " crashed (" + f + "); as its container's init"
                            + " under the tracer it could not end by itself, so it was killed"));
                    FileAccessTrace found = trace.getValue().finish();
                    if (trace.getValue().truncated()) {
                        traceErrors.add(trace.getKey() + ": trace cut at " + (StraceSession.MAX_OUTPUT_BYTES >> 20)
                                + " MiB; what the program did after is not in it");
                    }
                    String program = plan.programs().getOrDefault(trace.getKey(), trace.getKey());
                    parsed.put(program, found);
                    missing.computeIfAbsent(program, k -> new ArrayList<>()).addAll(new TreeSet<>(found.missing()));
                    opened.computeIfAbsent(program, k -> new ArrayList<>()).addAll(found.opened());
                    written.computeIfAbsent(program, k -> new ArrayList<>()).addAll(found.written());
                    Integer pid = endedPids.get(trace.getKey());
                    if (pid != null) {
                        // Killed on its fault: the status it would have ended with untraced, not the SIGKILL.
                        ended.put(program, fault.isPresent() ? fault.get().exitStatus() : found.exits().getOrDefault(pid, -1));
                    }
                    if (!found.denied().isEmpty()) {
                        denied.computeIfAbsent(program, k -> new ArrayList<>()).addAll(found.denied());
                    }
                } catch (IOException e) {
                    traceErrors.add(trace.getKey() + ": " + e.getMessage());
                }
            }
            for (String crash : crashes) {
                log = log + "\n[distill] " + crash;
            }
            for (ContainerRun c : pod.containers()) {
                // The run proves something only of the image it ran: a rootfs that was not it voids the run.
                String problem = c.rootfsProblem(ROOTFS_CHECK_WAIT);
                if (problem != null) {
                    throw new IOException("container " + c.name() + " ran on a rootfs that is not its image (a fault of this "
                            + "verifier's layer trees, not of the image: they are removed, and the next verification unpacks "
                            + "them again): " + problem);
                }
            }
            if (!traceErrors.isEmpty()) {
                log = log + "\n[distill] trace unavailable: " + String.join("; ", traceErrors);
            }
            VerifyTimeline.step("usage, traces", stopping);
        } catch (IOException | RuntimeException e) {
            // A container that cannot even be created (unpack, runc create) is a finding about the image.
            return new Outcome(new Verification.Run(!probes.isEmpty(), "could not run: " + e.getMessage(), probes, log, missing,
                    opened, written, ended, timedOut, new Verification.Timings(pullMillis, unpack, start, probing,
                    pullMillis + millisSince(begin), rootfs), usage, stops, denied, inits), firstBodies, secondBodies, parsed);
        } finally {
            long closing = System.nanoTime();
            teardown.hand(sandbox);
            VerifyTimeline.step(teardown.isDeferred() ? "sandbox handed on" : "sandbox close", closing);
        }
        return new Outcome(new Verification.Run(true, null, probes, log, missing, opened, written, ended, timedOut,
                new Verification.Timings(pullMillis, unpack, start, probing, pullMillis + millisSince(begin), rootfs), usage, stops,
                denied, inits),
                firstBodies, secondBodies, parsed);
    }

    /** Runs one init container to its end; its exit status comes from strace, as a command test's does. */
    private static Verification.InitRun runInit(Sandbox sandbox, Pod pod, PodSpec.Member member, String program,
            MigrationVerifier.Options options) throws IOException {
        long begin = System.nanoTime();
        RuntimeConfig config = member.config().withNetwork(NetworkMode.joinPodOf(pod.containers().get(0)));
        for (PodSpec.Mount m : member.mounts()) {
            config = config.withMount(new BindMount(pod.volume(m.volume()), m.destination(), m.readOnly()));
        }
        ContainerRun run = sandbox.create(member.name(), member.image(), config);
        Path trace = run.bundle().resolve("exit.trace");
        int exit = -1;
        try {
            Process strace = RuncCommandRunner.attach(run.pid(), trace);
            try {
                run.start();
                if (!run.awaitExit(options.timeLimit().plusSeconds(5))) {
                    run.stop(Duration.ofSeconds(1));
                }
                strace.waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            } finally {
                strace.destroyForcibly();
            }
            exit = RuncCommandRunner.exitStatus(java.nio.file.Files.readAllLines(trace), run.pid());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            return new Verification.InitRun(member.name(), program, config.args(), -1, run.timedOut(), millisSince(begin),
                    e.getMessage() + "\n" + run.logTail(options.logLines()));
        }
        return new Verification.InitRun(member.name(), program, config.args(), exit, run.timedOut(), millisSince(begin),
                run.logTail(options.logLines()));
    }

    /**
     * Waits, up to the deadline, until the program's containers have made every file its source made: seen from the
     * host, in the volume (or writable root) each path lies in. A path the program cannot have written (under no
     * volume of a read-only root) never appears.
     */
    private static Verification.Probe writes(Pod pod, Map<String, String> programs, String program, List<String> paths,
            Duration deadline) {
        String description = program + " makes the " + paths.size() + " files its source makes";
        long begin = System.nanoTime();
        int attempts = 0;
        List<String> absent = paths;
        while (true) {
            attempts++;
            List<ContainerRun> runs = pod.containers().stream().filter(c -> program.equals(programs.get(c.name()))).toList();
            absent = paths.stream().filter(p -> runs.stream().noneMatch(c -> madeIn(c, p))).toList();
            boolean alive = runs.stream().anyMatch(ContainerRun::isRunning);
            if (absent.isEmpty() || !alive || System.nanoTime() - begin > deadline.toNanos()) {
                break;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        boolean passed = absent.isEmpty();
        String evidence = passed ? "made all of " + paths : "did not make " + absent + " of " + paths;
        return new Verification.Probe("writes", 0, description, passed, evidence, attempts, millisSince(begin), 0, null,
                passed ? "" : logExcerpt(pod, 20));
    }

    /**
     * Waits until the entries below the places stay the same for {@link #SETTLED} (each container's view: its volumes,
     * its writable root), or the deadline passes, or every container has ended.
     */
    private static void settle(Pod pod, List<String> places, Duration deadline) {
        long begin = System.nanoTime();
        Set<String> last = null;
        long sameSince = System.nanoTime();
        while (System.nanoTime() - begin < deadline.toNanos() && pod.containers().stream().anyMatch(ContainerRun::isRunning)) {
            Set<String> now = new TreeSet<>();
            for (ContainerRun c : pod.containers()) {
                for (String place : places) {
                    hostPath(c, place).ifPresent(dir -> now.addAll(listing(dir, place)));
                }
            }
            if (!now.equals(last)) {
                last = now;
                sameSince = System.nanoTime();
            } else if (System.nanoTime() - sameSince >= SETTLED.toNanos()) {
                return;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Every entry below a host directory, as container paths, without following links. */
    private static Set<String> listing(Path dir, String place) {
        Set<String> out = new TreeSet<>();
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            walk.limit(10_000).forEach(p -> out.add(place + "/" + dir.relativize(p)));
        } catch (IOException | java.io.UncheckedIOException e) {
            // Changing while listed: the next look decides.
        }
        return out;
    }

    /**
     * Whether a container made a path: it is there, seen from the host, in the volume mounted over it (or in a writable
     * root). Nothing on the way may be a symlink: the container made those, and the host must not follow them.
     */
    static boolean madeIn(ContainerRun c, String path) {
        return hostPath(c, path).map(p -> Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).orElse(false);
    }

    /**
     * Where a container's path is on the host: in the volume mounted over it, or in its writable root; empty when it
     * is on a read-only root or a link on the way would lead elsewhere (the container made the links; the host must not
     * follow them).
     */
    static java.util.Optional<Path> hostPath(ContainerRun c, String path) {
        BindMount best = null;
        for (BindMount m : c.config().mounts()) {
            String d = m.destination();
            if ((path.equals(d) || path.startsWith(d.endsWith("/") ? d : d + "/"))
                    && (best == null || d.length() > best.destination().length())) {
                best = m;
            }
        }
        Path root;
        String rest;
        if (best != null) {
            root = best.source();
            rest = path.substring(best.destination().length());
        } else if (!c.config().readOnlyRoot()) {
            root = c.bundle().resolve("rootfs");
            rest = path;
        } else {
            return java.util.Optional.empty();
        }
        Path at = root;
        for (String part : rest.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals("..") || Files.isSymbolicLink(at)) {
                return java.util.Optional.empty();
            }
            at = at.resolve(part);
        }
        return java.util.Optional.of(at);
    }

    private static Verification.Probe probe(String kind, int port, ProbeResult r) {
        int status = r.answer() == null ? 0 : r.answer().status();
        String body = r.answer() == null ? null : clip(r.answer().body(), BODY_KEPT);
        return new Verification.Probe(kind, port, r.probe(), r.passed(), r.evidence(), r.attempts(), r.elapsed().toMillis(),
                status, body, r.logExcerpt());
    }

    private static String logExcerpt(Pod pod, int lines) {
        StringBuilder out = new StringBuilder();
        for (ContainerRun c : pod.containers()) {
            out.append("--- ").append(c.name()).append('\n').append(c.logTail(lines));
            if (out.charAt(out.length() - 1) != '\n') {
                out.append('\n');
            }
        }
        return out.toString();
    }

    static String clip(String text, int limit) {
        return text == null || text.length() <= limit ? text : text.substring(0, limit);
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
