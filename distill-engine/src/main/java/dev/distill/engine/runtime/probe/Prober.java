package dev.distill.engine.runtime.probe;

import dev.distill.engine.runtime.ContainerRun;
import dev.distill.engine.runtime.Pod;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Probes one container (or pod) from the host. Connections are made by host tools started in the container's
 * network namespace with {@code nsenter --net=...} ({@code curl} for HTTP and for TCP: no shell is needed, so the
 * verifier's own distroless image can probe),
 * so a probe reaches the container's loopback and nothing else, and the container reaches nothing of the host.
 * A Java socket cannot do this: a JVM thread cannot enter another network namespace. The tools run as the host's
 * nobody ({@value #PROBE_ID}), without capabilities: they parse what an untrusted program answers, and a flaw in them
 * must not hand that program host root.
 *
 * <p>Probes retry every {@link #RETRY_INTERVAL} until their deadline, and give up early when the container's process
 * has ended: a program that exits at once fails its probes at once, with its output as evidence.
 */
public final class Prober {

    static final Duration RETRY_INTERVAL = Duration.ofMillis(200);
    private static final int ATTEMPT_SECONDS = 2;
    /**
     * How long a TCP probe's attempt lasts once it may have connected: the connection only has to be accepted (curl's
     * time_connect says whether it was), and a server that says nothing first (nginx, php-fpm) holds curl's telnet
     * until this time is up, so every TCP probe costs it once. Loopback connects in microseconds; a connection not made
     * by then fails this attempt and the next one tries again.
     */
    static final Duration TCP_HOLD = Duration.ofMillis(200);
    private static final int LOG_LINES = 20;
    private static final String STATUS_MARK = "DISTILL-PROBE ";
    /** The host uid and gid the probe tools run as: nobody. */
    static final int PROBE_ID = 65534;

    private final Path networkNamespace;
    private final BooleanSupplier alive;
    private final Supplier<String> logExcerpt;
    private final int bodyLimit;

    /**
     * @param networkNamespace the namespace file, {@code /proc/<pid>/ns/net}
     * @param alive whether the probed process still runs
     * @param logExcerpt the container's last output lines, for failed probes
     * @param bodyLimit how many bytes of an HTTP body are kept as evidence
     */
    public Prober(Path networkNamespace, BooleanSupplier alive, Supplier<String> logExcerpt, int bodyLimit) {
        if (networkNamespace == null || alive == null || logExcerpt == null || bodyLimit < 0) {
            throw new IllegalArgumentException("a prober needs a namespace, a liveness check, a log and a body limit, got "
                    + networkNamespace + ", " + bodyLimit);
        }
        this.networkNamespace = networkNamespace;
        this.alive = alive;
        this.logExcerpt = logExcerpt;
        this.bodyLimit = bodyLimit;
    }

    /** Probes one container; keeps 64 KiB of a body. */
    public static Prober of(ContainerRun run) {
        return new Prober(run.networkNamespace(), run::isRunning, () -> run.logTail(LOG_LINES), 64 * 1024);
    }

    /** Probes a pod through its shared namespace; alive while any container runs; the log is every container's. */
    public static Prober of(Pod pod) {
        return new Prober(pod.networkNamespace(), () -> pod.containers().stream().anyMatch(ContainerRun::isRunning), () -> {
            StringBuilder logs = new StringBuilder();
            for (ContainerRun run : pod.containers()) {
                logs.append("[").append(run.name()).append("]\n").append(run.logTail(LOG_LINES)).append('\n');
            }
            return logs.toString();
        }, 64 * 1024);
    }

    /** Passes when the process is still running {@code duration} from now. */
    public ProbeResult staysUp(Duration duration) {
        return staysUp(duration, System.nanoTime());
    }

    /**
     * Passes when the process is still running {@code duration} after {@code startedNanos} (its start, by
     * {@link System#nanoTime()}): the other probes run inside that window, and only what is left of it is waited here,
     * so a pod is never judged on less than {@code duration} of running since its start, nor made to wait longer.
     */
    public ProbeResult staysUp(Duration duration, long startedNanos) {
        String probe = "process stays up for " + duration.toMillis() + " ms after its start";
        long start = System.nanoTime();
        int checks = 0;
        while (true) {
            checks++;
            if (!alive.getAsBoolean()) {
                return failed(probe, "process ended (found ended " + millis(startedNanos) + " ms after its start)", checks,
                        start, null);
            }
            long left = remainingNanos(duration, startedNanos, System.nanoTime());
            if (left == 0) {
                return new ProbeResult(probe, true, "running " + millis(startedNanos) + " ms after its start", checks,
                        since(start), null, "");
            }
            sleep(Math.min(RETRY_INTERVAL.toNanos(), left));
        }
    }

    /**
     * What is left of a window of {@code duration} that opened at {@code startedNanos}, at {@code nowNanos}: never
     * negative (the other probes may have taken longer than the window), all of it when the window opens later.
     */
    static long remainingNanos(Duration duration, long startedNanos, long nowNanos) {
        long elapsed = nowNanos - startedNanos;  // nanoTime values are compared by difference (they may wrap)
        long left = duration.toNanos() - Math.max(0, elapsed);
        return Math.max(0, left);
    }

    /** Passes when a TCP connection to {@code 127.0.0.1:port} is accepted before the deadline. */
    public ProbeResult tcp(int port, Duration deadline) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + port);
        }
        String probe = "TCP 127.0.0.1:" + port + " accepts";
        long start = System.nanoTime();
        int attempts = 0;
        String last = "no attempt";
        while (true) {
            attempts++;
            // curl reports the time its connection was established (0 when there was none), whatever the service then
            // says or does not say in telnet's protocol, which sends nothing of its own; it gives up TCP_HOLD later.
            Output out = inNamespace(List.of("curl", "-sS", "-o", "/dev/null", "--connect-timeout",
                    Integer.toString(ATTEMPT_SECONDS), "--max-time", seconds(TCP_HOLD),
                    "-w", "%{time_connect}", "telnet://127.0.0.1:" + port), 64);
            if (connected(out.stdout)) {
                return new ProbeResult(probe, true, "connected after " + millis(start) + " ms", attempts, since(start), null, "");
            }
            last = out.stderr.isBlank() ? "exit " + out.exit : out.stderr.strip();
            ProbeResult stop = giveUp(probe, last, attempts, start, deadline, null);
            if (stop != null) {
                return stop;
            }
        }
    }

    /**
     * Sends the GET until an answer with the expected status arrives or the deadline passes. The result keeps the
     * last answer (status, bounded body, timing) whether it passed or not.
     */
    public ProbeResult http(HttpCheck check, Duration deadline) {
        String probe = "GET " + check.url() + " -> "
                + (check.expectedStatus() == HttpCheck.NOT_KNOWN_YET ? "judged later" : check.expectedStatus());
        long start = System.nanoTime();
        int attempts = 0;
        HttpAnswer last = null;
        String evidence = "no attempt";
        while (true) {
            attempts++;
            Output out = inNamespace(List.of("curl", "-q", "-sS", "--max-time", Integer.toString(ATTEMPT_SECONDS), "-o", "-",
                    "-w", "%{stderr}\n" + STATUS_MARK + "%{http_code} %{time_total}\n", check.url()), bodyLimit);
            HttpAnswer answer = answer(out);
            if (answer != null) {
                last = answer;
                evidence = "HTTP " + answer.status() + " after " + answer.took().toMillis() + " ms";
                if (check.ends(answer.status())) {
                    return new ProbeResult(probe, true, evidence, attempts, since(start), answer, "");
                }
            } else {
                evidence = curlError(out);
            }
            ProbeResult stop = giveUp(probe, evidence, attempts, start, deadline, last);
            if (stop != null) {
                return stop;
            }
        }
    }

    private ProbeResult giveUp(String probe, String evidence, int attempts, long start, Duration deadline, HttpAnswer answer) {
        if (!alive.getAsBoolean()) {
            return failed(probe, "process ended; last attempt: " + evidence, attempts, start, answer);
        }
        if (System.nanoTime() - start + RETRY_INTERVAL.toNanos() > deadline.toNanos()) {
            return failed(probe, "gave up after " + millis(start) + " ms; last attempt: " + evidence, attempts, start, answer);
        }
        sleep(RETRY_INTERVAL.toNanos());
        return null;
    }

    private ProbeResult failed(String probe, String evidence, int attempts, long start, HttpAnswer answer) {
        return new ProbeResult(probe, false, evidence, attempts, since(start), answer, logExcerpt.get());
    }

    private HttpAnswer answer(Output out) {
        String[] lines = out.stderr.split("\n");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (lines[i].startsWith(STATUS_MARK)) {
                String[] f = lines[i].substring(STATUS_MARK.length()).trim().split(" ");
                int status = Integer.parseInt(f[0]);
                if (status == 0) {
                    return null;  // curl's "no answer"
                }
                long micros = (long) (Double.parseDouble(f[1]) * 1_000_000);
                return new HttpAnswer(status, out.stdout, out.truncated, Duration.ofNanos(micros * 1000));
            }
        }
        return null;
    }

    private static String curlError(Output out) {
        StringBuilder error = new StringBuilder();
        for (String line : out.stderr.split("\n")) {
            if (!line.startsWith(STATUS_MARK) && !line.isBlank()) {
                error.append(line.strip()).append(' ');
            }
        }
        return error.length() == 0 ? "curl exit " + out.exit : error.toString().strip();
    }

    /** Seconds as curl reads them: a decimal point whatever the locale (the tools run with LC_ALL=C, too). */
    static String seconds(Duration d) {
        return String.format(java.util.Locale.ROOT, "%.3f", d.toNanos() / 1e9);
    }

    /** curl's {@code %{time_connect}}: seconds until the connection was made, 0 when it was not. */
    static boolean connected(String timeConnect) {
        try {
            return Double.parseDouble(timeConnect.strip()) > 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private record Output(int exit, String stdout, boolean truncated, String stderr) {
    }

    /** Runs a host command in the namespace; keeps {@code stdoutLimit} bytes of its stdout and 8 KiB of stderr. */
    private Output inNamespace(List<String> command, int stdoutLimit) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--net=" + networkNamespace, "--setuid", Integer.toString(PROBE_ID),
                "--setgid", Integer.toString(PROBE_ID), "--"));
        full.addAll(command);
        Process p;
        try {
            ProcessBuilder builder = new ProcessBuilder(full).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().put("LC_ALL", "C");  // curl reads "0.200" with strtod: a locale's decimal comma would misread it
            p = builder.start();
        } catch (IOException e) {
            return new Output(-1, "", false, "cannot run " + full.get(0) + ": " + e.getMessage());
        }
        CompletableFuture<byte[]> err = new CompletableFuture<>();
        Thread stderr = new Thread(() -> err.complete(bounded(p.getErrorStream(), 8192)), "probe-stderr");
        stderr.setDaemon(true);
        stderr.start();
        byte[] stdout = bounded(p.getInputStream(), stdoutLimit + 1);
        try {
            if (!p.waitFor(ATTEMPT_SECONDS + 3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Output(-1, "", false, String.join(" ", command) + " hung");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Output(-1, "", false, "interrupted");
        }
        boolean truncated = stdout.length > stdoutLimit;
        String body = new String(stdout, 0, Math.min(stdout.length, stdoutLimit), StandardCharsets.UTF_8);
        return new Output(p.exitValue(), body, truncated, new String(err.join(), StandardCharsets.UTF_8));
    }

    // Reads up to the limit and discards the rest, so the child never blocks on a full pipe.
    private static byte[] bounded(InputStream in, int limit) {
        try (in) {
            byte[] kept = in.readNBytes(limit);
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return kept;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static long millis(long startNanos) {
        return since(startNanos).toMillis();
    }

    private static Duration since(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
