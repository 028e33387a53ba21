package dev.distill.engine.verification;

import dev.distill.engine.runtime.ContainerRun;
import dev.distill.engine.runtime.Pod;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.runtime.probe.ProbeResult;
import dev.distill.engine.runtime.probe.Prober;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import dev.distill.engine.runtime.trace.StraceSession;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Runs one pod in a fresh sandbox, traced from before its first instruction, and probes it: TCP on every port,
 * HTTP on the ports asked for (twice, to tell a deterministic body), then whether it is still up. Whatever goes
 * wrong is recorded in the {@link Verification.Run}; only the sandbox's own cleanup may throw.
 */
final class SandboxRun {

    private static final int BODY_KEPT = 2048;
    private static final Duration STOP_GRACE = Duration.ofSeconds(5);

    /**
     * @param programs container name to program name, for the per-program misses
     * @param httpChecks the GETs to send; a null expected status is not possible, the caller decides it
     */
    record Plan(PodSpec spec, Map<String, String> programs, List<Integer> tcpPorts, List<HttpCheck> httpChecks) {
    }

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

    static Outcome run(Path dir, Plan plan, MigrationVerifier.Options options, long pullMillis) {
        long begin = System.nanoTime();
        List<Verification.Probe> probes = new ArrayList<>();
        Map<Integer, String> firstBodies = new LinkedHashMap<>();
        Map<Integer, String> secondBodies = new LinkedHashMap<>();
        Map<String, List<String>> missing = new LinkedHashMap<>();
        Map<String, List<String>> opened = new LinkedHashMap<>();
        Map<String, FileAccessTrace> parsed = new LinkedHashMap<>();
        String log = "";
        boolean timedOut = false;
        long unpack = 0;
        long start = 0;
        long probing = 0;
        Sandbox.Options sandboxOptions = Sandbox.Options.defaults().withTimeLimit(options.timeLimit());
        try (Sandbox sandbox = Sandbox.open(dir, sandboxOptions)) {
            long t = System.nanoTime();
            Pod pod = Pod.create(sandbox, plan.spec());
            long created = millisSince(t);
            for (ContainerRun c : pod.containers()) {
                unpack += c.unpack().took().toMillis();
            }
            Map<String, StraceSession> traces = new LinkedHashMap<>();
            List<String> traceErrors = new ArrayList<>();
            List<String> crashes = new ArrayList<>();
            for (ContainerRun c : pod.containers()) {
                try {
                    traces.put(c.name(), StraceSession.attach(c.pid(), c.bundle().resolve("strace.out")));
                } catch (IOException e) {
                    // Without a trace there are no repair candidates, but the run itself still proves something.
                    traceErrors.add(c.name() + ": " + e.getMessage());
                }
            }
            t = System.nanoTime();
            pod.start();
            start = Math.max(0, created - unpack) + millisSince(t);

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
            probes.add(probe("stays-up", 0, prober.staysUp(options.staysUp())));
            probing = millisSince(t);

            log = logExcerpt(pod, options.logLines());
            for (ContainerRun c : pod.containers()) {
                timedOut |= c.timedOut();
                try {
                    c.stop(STOP_GRACE);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            for (Map.Entry<String, StraceSession> trace : traces.entrySet()) {
                try {
                    trace.getValue().killedOnFault().ifPresent(f -> crashes.add(trace.getKey() + " crashed (" + f
                            + "); as its container's init under the tracer it could not end by itself, so it was killed"));
                    FileAccessTrace found = trace.getValue().finish();
                    String program = plan.programs().getOrDefault(trace.getKey(), trace.getKey());
                    parsed.put(program, found);
                    missing.computeIfAbsent(program, k -> new ArrayList<>()).addAll(new TreeSet<>(found.missing()));
                    opened.computeIfAbsent(program, k -> new ArrayList<>()).addAll(found.opened());
                } catch (IOException e) {
                    traceErrors.add(trace.getKey() + ": " + e.getMessage());
                }
            }
            for (String crash : crashes) {
                log = log + "\n[distill] " + crash;
            }
            if (!traceErrors.isEmpty()) {
                log = log + "\n[distill] trace unavailable: " + String.join("; ", traceErrors);
            }
        } catch (IOException | RuntimeException e) {
            // A container that cannot even be created (unpack, runc create) is a finding about the image.
            return new Outcome(new Verification.Run(!probes.isEmpty(), "could not run: " + e.getMessage(), probes, log, missing,
                    opened, timedOut, new Verification.Timings(pullMillis, unpack, start, probing, pullMillis + millisSince(begin))),
                    firstBodies, secondBodies, parsed);
        }
        return new Outcome(new Verification.Run(true, null, probes, log, missing, opened, timedOut,
                new Verification.Timings(pullMillis, unpack, start, probing, pullMillis + millisSince(begin))), firstBodies,
                secondBodies, parsed);
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
