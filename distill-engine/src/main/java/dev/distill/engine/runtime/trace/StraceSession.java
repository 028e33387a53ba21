package dev.distill.engine.runtime.trace;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code strace} attached to a process and everything it forks, writing {@link FileAccessTrace#SYSCALLS} and
 * {@link FileAccessTrace#DENIED_CALLS} to a file.
 * Attach it to a container's init process after {@code runc create} and before {@code runc start}: the init process
 * then waits for the start signal, so the trace sees the program from its {@code execve} on. A traced init that
 * crashes cannot die of its fault (see {@link FaultLoop}); the session kills it, as the crash would have untraced.
 *
 * <pre>{@code
 * ContainerRun run = sandbox.create(...);
 * try (StraceSession trace = StraceSession.attach(run.pid(), run.bundle().resolve("strace.out"))) {
 *     run.start();
 *     ... probes ...
 *     run.stop(grace);
 *     FileAccessTrace files = trace.finish();
 * }
 * }</pre>
 */
public final class StraceSession implements AutoCloseable {

    /**
     * The most trace a session writes: a program that stats a file in a loop would otherwise fill the work directory's
     * disk. Beyond it strace is told to detach (the program runs on, untraced) and {@link #truncated()} says so.
     */
    public static final long MAX_OUTPUT_BYTES = 256L << 20;

    private static final Pattern TRACER = Pattern.compile("(?m)^TracerPid:\\s*(\\d+)");
    private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(5);
    private static final long WATCH_INTERVAL_MILLIS = 100;
    private static final long ATTACH_POLL_MILLIS = 2;

    private final Process strace;
    private final Path output;
    private final int pid;
    private final long maxBytes;
    private final Thread watcher;
    private volatile boolean closed;
    private volatile boolean truncated;
    private volatile Fault fault;

    private StraceSession(Process strace, Path output, int pid, long maxBytes) {
        this.strace = strace;
        this.output = output;
        this.pid = pid;
        this.maxBytes = maxBytes;
        this.watcher = new Thread(this::watch, "strace-watch " + pid);
        this.watcher.setDaemon(true);
    }

    /** Whether the trace was cut at its size limit: what came after is not in it. */
    public boolean truncated() {
        return truncated;
    }

    /**
     * Starts {@code strace -f -q -y --pidns-translation -s 256 -p pid} and returns once the kernel shows it as the
     * process's tracer ({@code -q}: exit statuses kept; {@code --pidns-translation}: a fork in a container returns the
     * child's pid in the container's namespace, strace's lines name it by the host's; {@code -s 256}: an
     * {@code execve}'s arguments tell apart programs that share an executable; paths are printed whole anyway).
     *
     * @throws IOException when strace cannot be started or does not attach within five seconds (with its message)
     */
    public static StraceSession attach(int pid, Path output) throws IOException {
        return attach(pid, output, MAX_OUTPUT_BYTES);
    }

    /** As {@link #attach(int, Path)}, cutting the trace at {@code maxBytes}. */
    public static StraceSession attach(int pid, Path output, long maxBytes) throws IOException {
        return begin(pid, output, maxBytes).await();
    }

    /**
     * Starts strace as {@link #attach(int, Path)} does without waiting for it to attach: a pod's containers are all
     * begun and then awaited, so their tracers attach at once rather than one after another.
     *
     * @throws IOException when strace cannot be started
     */
    public static Attaching begin(int pid, Path output) throws IOException {
        return begin(pid, output, MAX_OUTPUT_BYTES);
    }

    private static Attaching begin(int pid, Path output, long maxBytes) throws IOException {
        Path log = output.resolveSibling(output.getFileName() + ".stderr");
        List<String> traced = new ArrayList<>(FileAccessTrace.SYSCALLS);
        traced.addAll(FileAccessTrace.DENIED_CALLS);
        Process strace = new ProcessBuilder("strace", "-f", "-q", "-y", "--pidns-translation", "-s", "256",
                "-e", "trace=" + String.join(",", traced),
                "-o", output.toString(), "-p", Integer.toString(pid))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(log.toFile())
                .start();
        return new Attaching(strace, output, log, pid, maxBytes, System.nanoTime() + ATTACH_TIMEOUT.toNanos());
    }

    /** A strace started on a process, not yet known to be its tracer. */
    public static final class Attaching {

        private final Process strace;
        private final Path output;
        private final Path log;
        private final int pid;
        private final long maxBytes;
        private final long deadline;

        private Attaching(Process strace, Path output, Path log, int pid, long maxBytes, long deadline) {
            this.strace = strace;
            this.output = output;
            this.log = log;
            this.pid = pid;
            this.maxBytes = maxBytes;
            this.deadline = deadline;
        }

        /**
         * Returns once the kernel shows strace as the process's tracer; on a failure strace is ended.
         *
         * @throws IOException when strace does not attach within five seconds of its start (with its message)
         */
        public StraceSession await() throws IOException {
            try {
                while (true) {
                    if (tracerOf(pid) == strace.pid()) {
                        StraceSession session = new StraceSession(strace, output, pid, maxBytes);
                        session.watcher.start();
                        return session;
                    }
                    if (!strace.isAlive() || System.nanoTime() > deadline) {
                        strace.destroyForcibly();
                        throw new IOException("strace did not attach to pid " + pid + ": " + Files.readString(log).strip());
                    }
                    // Attaching takes strace a few milliseconds; each of them is before the container's start.
                    Thread.sleep(ATTACH_POLL_MILLIS);
                }
            } catch (IOException | RuntimeException e) {
                strace.destroyForcibly();
                throw e;
            } catch (InterruptedException e) {
                strace.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted attaching strace to " + pid, e);
            }
        }
    }

    /**
     * Why the traced process was killed, if it was: it crashed as its container's init, which the kernel does not let
     * die of its own fault while traced ({@link FaultLoop}); the session ended it with SIGKILL, as it would have ended
     * untraced, rather than let it spin until the time limit.
     */
    public Optional<Fault> killedOnFault() {
        return Optional.ofNullable(fault);
    }

    /**
     * The fault a traced init was stuck on.
     *
     * @param signal its name, {@code SIGSEGV}
     * @param info what strace printed of it, {@code {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}}
     */
    public record Fault(String signal, String info) {

        /** The status the process would have ended with untraced: 128 + the signal's number, as a shell reports it. */
        public int exitStatus() {
            return 128 + StraceParser.SIGNALS.getOrDefault(signal.startsWith("SIG") ? signal.substring(3) : signal, 0);
        }

        @Override
        public String toString() {
            return signal + " " + info;
        }
    }

    /** The raw trace file. */
    public Path output() {
        return output;
    }

    /**
     * Ends the trace (strace ends by itself once the traced processes are gone; otherwise it is asked to detach) and
     * parses what it wrote.
     */
    public FileAccessTrace finish() throws IOException {
        close();
        try (Reader in = Files.newBufferedReader(output, StandardCharsets.UTF_8)) {
            return FileAccessTrace.parse(in);
        }
    }

    /** Detaches strace if it still runs: SIGTERM makes it detach and flush; SIGKILL if it does not end. */
    @Override
    public void close() {
        closed = true;
        try {
            if (!strace.waitFor(500, TimeUnit.MILLISECONDS)) {
                strace.destroy();
                if (!strace.waitFor(3, TimeUnit.SECONDS)) {
                    strace.destroyForcibly();
                    strace.waitFor(3, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            strace.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Follows the output as strace writes it: kills the traced init once it is stuck on a fault, and tells strace to
     * detach once the output passes its size limit (SIGTERM: strace detaches from every tracee and flushes).
     */
    private void watch() {
        FaultLoop loop = new FaultLoop(pid);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        StringBuilder line = new StringBuilder();
        long position = 0;
        try {
            while (!closed && strace.isAlive()) {
                if (Files.exists(output)) {
                    try (FileChannel in = FileChannel.open(output, StandardOpenOption.READ)) {
                        in.position(position);
                        for (int n; (n = in.read(buffer.clear())) > 0; ) {
                            position += n;
                            if (position > maxBytes && !closed) {
                                truncated = true;
                                strace.destroy();
                                return;
                            }
                            for (int i = 0; i < n; i++) {
                                char c = (char) (buffer.get(i) & 0xff);
                                if (c != '\n') {
                                    line.append(c);
                                    continue;
                                }
                                String found = loop.line(line.toString());
                                line.setLength(0);
                                if (found != null && !closed) {
                                    int space = found.indexOf(' ');
                                    fault = new Fault(found.substring(0, space), found.substring(space + 1));
                                    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
                                    return;
                                }
                            }
                        }
                    }
                }
                Thread.sleep(WATCH_INTERVAL_MILLIS);
            }
        } catch (IOException e) {
            // the trace stays whole on disk; only the watch over a crash loop and the size limit are lost
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long tracerOf(int pid) throws IOException {
        String status;
        try {
            status = Files.readString(Path.of("/proc", Integer.toString(pid), "status"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException("process " + pid + " is gone; nothing to trace", e);
        }
        Matcher m = TRACER.matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
}
