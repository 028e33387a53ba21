package dev.distill.engine.bake;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.io.Fifos;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.plan.PrestartPlan;
import dev.distill.engine.plan.PrestartStep;
import dev.distill.engine.runtime.BindMount;
import dev.distill.engine.runtime.ContainerRun;
import dev.distill.engine.runtime.IdMapping;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs a plan's baked steps once, in order, in a runc sandbox of the source image, with the same confinement as every
 * other run ({@link Sandbox}, {@link RuntimeConfig}: new namespaces with only a loopback network, the image's
 * environment, memory, CPU and task limits, a time limit) on a writable private copy of the source's root, as the
 * user the source runs them as. The steps run in one shell of the source ({@link PrestartPlan#shell()}), each in a
 * subshell with its own directory, exports and redirections; after each, the shell reports its exit status and waits
 * while the root filesystem is compared with the one before, so every changed file is attributed to the step that
 * changed it.
 *
 * <pre>{@code
 * try (Bake bake = new StepBaker(StepBaker.Options.defaults(workDir)).bake(sourceView, sourceConfig, plan.prestart())) {
 *     bake.files() ...
 * }
 * }</pre>
 */
public final class StepBaker {

    /** Where the shell in the container reports and waits: a directory of the sandbox, mounted here. */
    static final String CONTROL = "/.distill-bake";
    /** Mount points the runtime makes in the root, and the control directory: never part of what a step made. */
    private static final Set<String> EXCLUDED = Set.of(CONTROL, "/proc", "/sys", "/dev");
    private static final Duration POLL = Duration.ofMillis(50);

    /**
     * @param workDir where each bake makes (and removes) its sandbox and spool
     * @param timeLimit how long all baked steps together may run
     * @param maxBytes how many bytes of files the steps may make, together
     */
    public record Options(Path workDir, Duration timeLimit, ResourceLimits limits, long maxBytes, Sandbox.Options sandbox) {

        public Options {
            Objects.requireNonNull(workDir, "workDir");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(sandbox, "sandbox");
            if (timeLimit == null || timeLimit.isNegative() || timeLimit.isZero() || maxBytes <= 0) {
                throw new IllegalArgumentException("a bake needs a positive time limit and byte limit, got " + timeLimit
                        + ", " + maxBytes);
            }
        }

        /** Five minutes, the default cgroup limits, 1 GiB of files, runc from the PATH. */
        public static Options defaults(Path workDir) {
            return new Options(workDir, Duration.ofMinutes(5), ResourceLimits.DEFAULTS, 1L << 30, Sandbox.Options.defaults());
        }

        public Options withTimeLimit(Duration limit) {
            return new Options(workDir, limit, limits, maxBytes, sandbox);
        }
    }

    private final Options options;

    public StepBaker(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Options options() {
        return options;
    }

    /**
     * Runs the baked steps of {@code prestart} in a sandbox of {@code source}.
     *
     * @param config the source's configuration: its environment and stop signal
     * @throws BakeException when a step fails or does not finish in time (with its output), or the steps ask for what
     *     a sandbox cannot give (several users)
     * @throws IOException when the sandbox itself cannot be made or read
     */
    public Bake bake(ImageFileSystem source, ImageConfig config, PrestartPlan prestart) throws BakeException, IOException {
        List<PrestartStep> steps = prestart.baked();
        if (steps.isEmpty()) {
            return new Bake(List.of(), List.of(), null);
        }
        Set<String> users = new java.util.TreeSet<>();
        steps.forEach(s -> users.add(s.user()));
        if (users.size() > 1) {
            throw new BakeException("the baked steps run as different users " + users + " in the source; one sandbox runs "
                    + "them as one user, so they are not baked (" + steps.get(0).where() + ")");
        }
        Files.createDirectories(options.workDir());
        Path dir = Files.createTempDirectory(options.workDir(), "bake-");
        // Others may pass (not list): a container's user reaches the control directory mounted from below here.
        Files.setAttribute(dir, "unix:mode", 0711);
        Path spool = Files.createDirectory(dir.resolve("spool"));
        Files.setAttribute(spool, "unix:mode", 0700);
        boolean done = false;
        try (Sandbox sandbox = Sandbox.open(dir.resolve("sandbox"), options.sandbox().withTimeLimit(options.timeLimit()))) {
            Path control = Files.createDirectory(dir.resolve("control"));
            Files.setAttribute(control, "unix:mode", 0777);  // the steps may run as a user other than root
            for (int i = 1; i <= steps.size(); i++) {
                Fifos.make(control.resolve("go-" + i), "0666");
            }
            RuntimeConfig runtime;
            try {
                runtime = RuntimeConfig.of(config, Identity.resolve(steps.get(0).user(), source))
                        .withArgs(List.of(prestart.shell(), "-c", script(steps)))
                        .withWritableRoot()
                        .withLimits(options.limits())
                        .withMount(new BindMount(control, CONTROL, false));
            } catch (IllegalArgumentException e) {
                throw new BakeException("cannot configure the sandbox for the baked steps: " + e.getMessage(), e);
            }
            ContainerRun run = sandbox.create("bake", source, runtime);
            Path rootfs = run.bundle().resolve("rootfs");
            RootfsSnapshot before = RootfsSnapshot.take(rootfs, EXCLUDED);
            RootfsSnapshot previous = before;
            Map<String, List<Integer>> changedBy = new HashMap<>();
            List<Bake.StepRun> runs = new ArrayList<>();
            run.start();
            for (int i = 0; i < steps.size(); i++) {
                PrestartStep step = steps.get(i);
                long started = System.nanoTime();
                int status = awaitStatus(run, control.resolve("status-" + (i + 1)), step);
                long millis = (System.nanoTime() - started) / 1_000_000;
                if (status != 0) {
                    awaitExit(run);
                    throw new BakeException("the baked step at " + step.where() + " (" + step.text() + ") exited with "
                            + status + " in the sandbox of the source: " + tail(run));
                }
                RootfsSnapshot now = RootfsSnapshot.take(rootfs, EXCLUDED);
                TreeMap<String, RootfsSnapshot.Meta> changes = previous.changesTo(now);
                for (String path : changes.keySet()) {
                    changedBy.computeIfAbsent(path, p -> new ArrayList<>()).add(i);
                }
                runs.add(new Bake.StepRun(step.where(), step.text(), status, millis, changes.size()));
                previous = now;
                release(control.resolve("go-" + (i + 1)), run);
            }
            awaitExit(run);
            List<BakedFile> files = collect(before.changesTo(previous), changedBy, steps, rootfs, spool,
                    sandbox.idMapping());
            done = true;
            return new Bake(files, runs, dir);
        } finally {
            // The sandbox removed its own directory; the bake keeps only the spool, and nothing when it failed.
            WorkDirectories.removeTreeQuietly(dir.resolve("control"));
            if (!done) {
                WorkDirectories.removeTreeQuietly(dir);
            }
        }
    }

    /**
     * The shell program: each step in a subshell (its directory and exports stay its own), its status reported in the
     * control directory, then a wait for the host to have looked at what it changed.
     */
    static String script(List<PrestartStep> steps) {
        StringBuilder sh = new StringBuilder("# Distill: the entrypoint's build-time steps, one after the other\n");
        for (int i = 0; i < steps.size(); i++) {
            PrestartStep s = steps.get(i);
            int n = i + 1;
            sh.append("# ").append(s.where().replace('\n', ' ')).append('\n');
            sh.append("( cd -- ").append(quote(s.workingDir())).append(" && ");
            if (!s.env().isEmpty()) {
                sh.append("export");
                s.env().forEach(e -> sh.append(' ').append(quote(e)));
                sh.append(" && ");
            }
            s.command().forEach(a -> sh.append(quote(a)).append(' '));
            for (PrestartStep.Redirect r : s.redirects()) {
                boolean standard = r.fd() == (r.operator().startsWith("<") ? 0 : 1);
                sh.append(standard ? "" : String.valueOf(r.fd())).append(r.operator()).append(' ').append(quote(r.target()))
                        .append(' ');
            }
            sh.append("); s=$?\n");
            sh.append("echo \"$s\" > ").append(CONTROL).append("/status-").append(n).append('\n');
            sh.append("[ \"$s\" -eq 0 ] || exit \"$s\"\n");
            sh.append("read _ < ").append(CONTROL).append("/go-").append(n).append('\n');
        }
        return sh.toString();
    }

    /** A single-quoted shell word. */
    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Waits for the step's status file; a container that ends or is killed first fails the bake. */
    private int awaitStatus(ContainerRun run, Path status, PrestartStep step) throws BakeException, IOException {
        long deadline = System.nanoTime() + options.timeLimit().plusSeconds(5).toNanos();
        for (int poll = 0; ; poll++) {
            if (Files.exists(status, LinkOption.NOFOLLOW_LINKS)) {
                String text = Files.readString(status, StandardCharsets.US_ASCII);
                if (text.endsWith("\n")) {
                    try {
                        return Integer.parseInt(text.strip());
                    } catch (NumberFormatException e) {
                        throw new BakeException("the baked step at " + step.where() + " reported '" + text.strip()
                                + "' as its status");
                    }
                }
            }
            // runc's view costs a process: asked every tenth poll.
            if (run.timedOut() || poll % 10 == 9 && !run.isRunning() && !Files.exists(status)) {
                awaitExit(run);
                throw new BakeException("the baked step at " + step.where() + " (" + step.text() + ") did not finish"
                        + (run.timedOut() ? " within the time limit of " + options.timeLimit().toSeconds() + " s" : "")
                        + " in the sandbox of the source: " + tail(run));
            }
            if (System.nanoTime() > deadline) {
                throw new BakeException("the baked step at " + step.where() + " gave no status in time: " + tail(run));
            }
            sleep();
        }
    }

    /** Lets the shell go on: a line into the FIFO it reads (the open waits for its reader, so not forever). */
    private static void release(Path fifo, ContainerRun run) throws BakeException {
        IOException[] failure = new IOException[1];
        Thread writer = new Thread(() -> {
            try (OutputStream out = Files.newOutputStream(fifo)) {
                out.write('\n');
            } catch (IOException e) {
                failure[0] = e;
            }
        }, "bake-release " + fifo.getFileName());
        writer.setDaemon(true);
        writer.start();
        try {
            writer.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive() || failure[0] != null) {
            // The shell died before reading: open the FIFO's other end so the writer's open returns, then fail.
            try (var unblock = Files.newInputStream(fifo)) {
                unblock.readAllBytes();
            } catch (IOException ignored) {
                // nothing more to do
            }
            throw new BakeException("the sandbox's shell stopped between baked steps: " + tail(run), failure[0]);
        }
    }

    private static void awaitExit(ContainerRun run) {
        try {
            if (!run.awaitExit(Duration.ofSeconds(10))) {
                run.stop(Duration.ofSeconds(1));
            }
        } catch (IOException e) {
            // the sandbox deletes it in any case
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String tail(ContainerRun run) {
        String t = run.logTail(15).strip();
        return t.isEmpty() ? "(no output)" : "\n" + t;
    }

    /** The entries to carry: what differs between before the first step and after the last, with their bytes. */
    private List<BakedFile> collect(TreeMap<String, RootfsSnapshot.Meta> changes, Map<String, List<Integer>> changedBy,
            List<PrestartStep> steps, Path rootfs, Path spool, IdMapping ids) throws BakeException, IOException {
        List<BakedFile> out = new ArrayList<>();
        long bytes = 0;
        int n = 0;
        for (Map.Entry<String, RootfsSnapshot.Meta> e : changes.entrySet()) {
            String path = e.getKey();
            RootfsSnapshot.Meta m = e.getValue();
            List<Integer> by = changedBy.getOrDefault(path, List.of());
            String madeBy = by.isEmpty() ? "the baked steps" : steps.get(by.get(by.size() - 1)).where() + " "
                    + steps.get(by.get(by.size() - 1)).text();
            if (m == null) {
                out.add(new BakedFile(path, null, 0, 0, 0, 0, null, null, by, madeBy));
                continue;
            }
            if (m.type() != FileType.REGULAR && m.type() != FileType.DIRECTORY && m.type() != FileType.SYMLINK) {
                throw new BakeException("the baked step " + madeBy + " made " + path + ", a " + (m.type() == null ? "socket"
                        : m.type().name().toLowerCase().replace('_', ' ')) + ", which a layer cannot carry");
            }
            Path content = null;
            if (m.type() == FileType.REGULAR) {
                bytes += m.size();
                if (bytes > options.maxBytes()) {
                    throw new BakeException("the baked steps made more than " + options.maxBytes() + " bytes of files ("
                            + path + ")");
                }
                content = spool.resolve(String.valueOf(n++));
                copy(rootfs, path, content);
            }
            // Owned by the sandbox's host ids (user namespace): carried as the container's own ids.
            out.add(new BakedFile(path, m.type(), m.mode(), containerId(ids.containerUid(m.uid())),
                    containerId(ids.containerGid(m.gid())), m.type() == FileType.REGULAR ? m.size() : 0,
                    m.link(), content, by, madeBy));
        }
        return out;
    }

    /** A host id of the sandbox as the container knows it; the container's nobody for one outside its mapping. */
    private static int containerId(long id) {
        return id < 0 ? IdMapping.NOBODY : (int) id;
    }

    /** Copies a file of the (stopped) container's root without following a link in any component. */
    private static void copy(Path rootfs, String path, Path target) throws IOException {
        Path p = rootfs;
        String[] parts = path.substring(1).split("/");
        for (int i = 0; i < parts.length; i++) {
            p = p.resolve(parts[i]);
            boolean last = i == parts.length - 1;
            if (Files.isSymbolicLink(p) || (!last && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    || (last && !Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))) {
                throw new IOException(path + " changed under the bake while it was read");
            }
        }
        Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
    }

    private static void sleep() throws IOException {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while baking", e);
        }
    }
}
