package dev.distill.engine.verification;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.HostIdPool;
import dev.distill.engine.runtime.LayerTreeStore;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.structure.CommandAttempt;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The privileged half of the verifier: a small root process (no Quarkus, no Kafka, no registry) that runs containers
 * for an unprivileged verifier service on a Unix socket ({@link RunnerProtocol}). It accepts three things: run a pod
 * under probes, run one command in a container, sweep; images are layer digests in the spool the verifier filled,
 * verified again as they are read. It decides the confinement (runtime, seccomp profile, user namespaces) and the
 * longest time limit itself; a request cannot name a host path to mount. It keeps no state but the live runs: a
 * verifier that disconnects mid-run has that run's sandboxes closed (containers killed and deleted, mounts and
 * directories removed), and what a killed runner left is swept when the next one starts.
 * <pre>
 * java -cp 'verifier-svc/target/quarkus-app/lib/main/*' dev.distill.engine.verification.SandboxRunner \
 *     --socket /run/distill-runner/runner.sock --group distill --spool /var/lib/distill/verify \
 *     --work /var/lib/distill/runner
 * </pre>
 */
public final class SandboxRunner implements Closeable {

    private static final System.Logger LOG = System.getLogger(SandboxRunner.class.getName());
    static final Duration REQUEST_WAIT = Duration.ofSeconds(30);

    /**
     * @param socket the socket file; its directory is made root-owned, mode 0750, group {@code group}
     * @param group the group whose members may connect (the verifier's user); null leaves the group as it is
     * @param spoolRoot where the verifier keeps the blobs of its verifications (its work root)
     * @param workRoot where the runner's sandboxes live (root's, swept on start)
     * @param maxTimeLimit the longest a run's containers may run
     * @param layerTrees where layers are unpacked once and shared by the containers' overlay rootfs; null to unpack
     *     every container's image in full
     */
    public record Settings(Path socket, String group, Path spoolRoot, Path workRoot, Confinement confinement,
            Duration maxTimeLimit, int maxConnections, LayerTreeStore layerTrees) {

        public Settings {
            Objects.requireNonNull(socket, "socket");
            Objects.requireNonNull(spoolRoot, "spoolRoot");
            Objects.requireNonNull(workRoot, "workRoot");
            Objects.requireNonNull(confinement, "confinement");
            if (maxTimeLimit == null || maxTimeLimit.isNegative() || maxTimeLimit.isZero() || maxConnections < 1) {
                throw new IllegalArgumentException("max time limit must be positive and max connections >= 1, got "
                        + maxTimeLimit + ", " + maxConnections);
            }
        }

        /** Without layer trees. */
        public Settings(Path socket, String group, Path spoolRoot, Path workRoot, Confinement confinement,
                Duration maxTimeLimit, int maxConnections) {
            this(socket, group, spoolRoot, workRoot, confinement, maxTimeLimit, maxConnections, null);
        }

        /** From {@code --name value} arguments; see the class comment. */
        static Settings parse(String[] args) {
            Map<String, String> given = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (!a.startsWith("--")) {
                    throw new IllegalArgumentException("expected --name value, got '" + a + "'");
                }
                int eq = a.indexOf('=');
                if (eq > 0) {
                    given.put(a.substring(2, eq), a.substring(eq + 1));
                } else if (i + 1 < args.length) {
                    given.put(a.substring(2), args[++i]);
                } else {
                    throw new IllegalArgumentException("option " + a + " needs a value");
                }
            }
            Set<String> known = Set.of("socket", "group", "spool", "work", "runtime", "seccomp", "user-namespaces",
                    "max-time-limit-seconds", "max-connections", "id-lock-directory", "layer-trees", "layer-trees-max-bytes");
            for (String name : given.keySet()) {
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("unknown option --" + name + "; known: " + known);
                }
            }
            for (String required : List.of("socket", "spool", "work")) {
                if (!given.containsKey(required)) {
                    throw new IllegalArgumentException("--" + required + " is required");
                }
            }
            Confinement confinement = Confinement.defaults().withRuntime(given.getOrDefault("runtime", "runc"));
            if (!Boolean.parseBoolean(given.getOrDefault("seccomp", "true"))) {
                confinement = confinement.withoutSeccomp();
            }
            if (!Boolean.parseBoolean(given.getOrDefault("user-namespaces", "true"))) {
                confinement = confinement.withoutUserNamespaces();
            } else if (given.containsKey("id-lock-directory")) {
                // Shared with every other Distill process of the host that runs containers (the builder's bakes).
                confinement = confinement.withUserNamespaces(HostIdPool.defaults(Path.of(given.get("id-lock-directory"))));
            }
            Path work = Path.of(given.get("work"));
            long treeBytes = Long.parseLong(given.getOrDefault("layer-trees-max-bytes", Long.toString(8L << 30)));
            LayerTreeStore trees = null;
            if (treeBytes > 0) {
                Path dir = Path.of(given.getOrDefault("layer-trees", work.resolve("layer-trees").toString()));
                try {
                    trees = LayerTreeStore.open(dir, treeBytes);
                } catch (IOException | RuntimeException e) {
                    // Slower, not wrong: every run then unpacks its images in full, and its timings say so.
                    LOG.log(System.Logger.Level.WARNING, "no layer tree store in {0} ({1}): every container''s image is"
                            + " unpacked in full", dir, e.getMessage());
                }
            }
            return new Settings(Path.of(given.get("socket")), given.get("group"), Path.of(given.get("spool")), work,
                    confinement, Duration.ofSeconds(Long.parseLong(given.getOrDefault("max-time-limit-seconds", "600"))),
                    Integer.parseInt(given.getOrDefault("max-connections", "16")), trees);
        }
    }

    private final Settings settings;
    private final Semaphore connections;
    private final Map<Long, LiveRun> live = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /**
     * The indexes of the layers this runner read, by digest: a pod of a release, whose layers but the top one it saw
     * before, is merged without decompressing them again (the debian-php source's 100 MiB took 1.2-1.5 s each run).
     * Each index was made from a read of the blob whose digest was checked; only indexes are kept, a file's bytes
     * are always read from the blob (or come from a layer tree unpacked from a checked read).
     */
    private final RememberedLayers layers = new RememberedLayers(MigrationVerifier.REMEMBERED_LAYER_ENTRIES);
    /** Closes a connection whose request has not come whole in {@link #REQUEST_WAIT}: a silent peer holds no slot. */
    private final ScheduledExecutorService timeouts = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-runner-timeouts");
        t.setDaemon(true);
        return t;
    });
    private ServerSocketChannel server;
    private Thread acceptor;

    public SandboxRunner(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.connections = new Semaphore(settings.maxConnections());
    }

    public static void main(String[] args) throws Exception {
        Settings settings;
        try {
            settings = Settings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("sandbox runner: " + e.getMessage());
            System.exit(2);
            return;
        }
        SandboxRunner runner = new SandboxRunner(settings);
        Runtime.getRuntime().addShutdownHook(new Thread(runner::close, "sandbox-runner-shutdown"));
        runner.start();
        System.err.println("sandbox runner listening on " + settings.socket() + " (group " + settings.group() + "), spool "
                + settings.spoolRoot() + ", work " + settings.workRoot() + ", containers under " + settings.confinement());
        runner.acceptor.join();
    }

    /** Sweeps the work root, makes the socket's directory and binds the socket; accepts on a thread of its own. */
    public synchronized void start() throws IOException {
        Files.createDirectories(settings.workRoot());
        // Containers' roots (unprivileged host ids) pass through to their bundles; nobody lists the directory.
        Files.setAttribute(settings.workRoot(), "unix:mode", 0711);
        SweepReport swept = Sandbox.sweep(settings.workRoot(), sandboxOptions(Duration.ofMinutes(2)));
        if (!swept.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "swept what a previous runner left: {0}", swept);
        }
        if (Files.isDirectory(settings.spoolRoot())) {
            // What dead verifiers left: also a verifier that ran as root in process here before (its containers).
            SweepReport spool = Sandbox.sweep(settings.spoolRoot(), sandboxOptions(Duration.ofMinutes(2)));
            if (!spool.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "swept what dead verifiers left in the spool: {0}", spool);
            }
        }
        Path dir = settings.socket().toAbsolutePath().getParent();
        Files.createDirectories(dir);
        GroupPrincipal group = settings.group() == null ? null
                : FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(settings.group());
        if (!Files.exists(settings.spoolRoot()) && group != null) {
            // A fresh volume is root's: the verifier, in the group, fills the spool; the runner only reads it.
            Files.createDirectories(settings.spoolRoot());
            Files.getFileAttributeView(settings.spoolRoot(), PosixFileAttributeView.class).setGroup(group);
            Files.setAttribute(settings.spoolRoot(), "unix:mode", 0770);
        }
        if (group != null) {
            Files.getFileAttributeView(dir, PosixFileAttributeView.class).setGroup(group);
        }
        Files.setAttribute(dir, "unix:mode", 0750);
        Files.deleteIfExists(settings.socket());  // a killed runner's socket file; a live one would own the lock below
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(settings.socket()));
        if (group != null) {
            Files.getFileAttributeView(settings.socket(), PosixFileAttributeView.class).setGroup(group);
        }
        Files.setAttribute(settings.socket(), "unix:mode", 0660);
        acceptor = new Thread(this::accept, "sandbox-runner-accept");
        acceptor.start();
    }

    private void accept() {
        while (server.isOpen()) {
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                if (server.isOpen()) {
                    LOG.log(System.Logger.Level.WARNING, "accept failed: {0}", e.toString());
                }
                continue;
            }
            Thread t = new Thread(() -> serve(channel), "sandbox-runner-" + ids.incrementAndGet());
            t.setDaemon(true);
            t.start();
        }
    }

    /** Stops accepting and closes every live run (its containers killed and deleted). */
    @Override
    public synchronized void close() {
        try {
            if (server != null) {
                server.close();
            }
            Files.deleteIfExists(settings.socket());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the socket: {0}", e.toString());
        }
        live.values().forEach(LiveRun::cancel);
        timeouts.shutdownNow();
    }

    /** How many layers' indexes this runner keeps (for tests and diagnosis). */
    int rememberedLayers() {
        return layers.size();
    }

    /** How many runs are in progress. */
    int liveRuns() {
        return live.size();
    }

    /** One connection: one request, one answer; the run is cancelled if the peer goes away before the answer. */
    void serve(SocketChannel channel) {
        try (channel) {
            if (!connections.tryAcquire()) {
                RunnerProtocol.write(channel, RunnerProtocol.Response.failed("busy: " + settings.maxConnections()
                        + " connections are in progress"));
                return;
            }
            try {
                RunnerProtocol.Request request;
                ScheduledFuture<?> timeout = timeouts.schedule(() -> {
                    try {
                        channel.close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                }, REQUEST_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                byte[] frame;
                try {
                    frame = RunnerProtocol.readFrame(channel, RunnerProtocol.MAX_REQUEST_BYTES);
                } catch (RunnerProtocol.FrameTooLargeException e) {
                    RunnerProtocol.write(channel, RunnerProtocol.Response.failed(e.getMessage()));
                    return;
                } finally {
                    timeout.cancel(false);
                }
                try {
                    request = RunnerProtocol.parse(frame, RunnerProtocol.Request.class);
                    request.validate();
                } catch (RunnerProtocol.MalformedFrameException | IllegalArgumentException e) {
                    RunnerProtocol.write(channel, RunnerProtocol.Response.failed(e.getMessage()));
                    return;
                }
                long id = ids.incrementAndGet();
                LiveRun run = new LiveRun(Thread.currentThread());
                live.put(id, run);
                try {
                    RunnerProtocol.write(channel, answerWatching(channel, request, run, id));
                } finally {
                    // The answer is out: the pod's sandbox is closed now, still within this connection's slot; the
                    // run counts as live until then.
                    run.teardown.closeAll();
                    live.remove(id);
                }
            } finally {
                connections.release();
            }
        } catch (IOException e) {
            // The peer went away (its run, if any, was cancelled): nothing to answer.
        }
    }

    /** Answers on this thread while another watches the connection: the peer closing it cancels the run. */
    private RunnerProtocol.Response answerWatching(SocketChannel channel, RunnerProtocol.Request request, LiveRun run,
            long id) {
        Thread watcher = new Thread(() -> {
            try {
                // The client sends nothing after its request (what it might send is dropped): a read ends only when it
                // closes the connection, or this side does after answering.
                ByteBuffer drop = ByteBuffer.allocate(64);
                int read;
                do {
                    read = channel.read(drop.clear());  // blocks until bytes come or the connection ends
                } while (read >= 0);
                if (!run.answered()) {
                    LOG.log(System.Logger.Level.INFO, "the verifier closed request {0} mid-run: closing its sandboxes", id);
                    run.cancel();
                }
            } catch (IOException e) {
                if (!run.answered()) {
                    run.cancel();
                }
            }
        }, "sandbox-runner-watch-" + id);
        watcher.setDaemon(true);
        watcher.start();
        try {
            return answer(request, run, id);
        } catch (IOException | RuntimeException e) {
            return RunnerProtocol.Response.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return RunnerProtocol.Response.failed("interrupted");
        } finally {
            run.answer();
            if (run.cancelled()) {
                // Its sandboxes were closed under it; what it made after (a probe's files) goes too.
                run.removeDirectories();
                Thread.interrupted();
            }
        }
    }

    private RunnerProtocol.Response answer(RunnerProtocol.Request request, LiveRun run, long id)
            throws IOException, InterruptedException {
        switch (request.op()) {
            case PING:
                return new RunnerProtocol.Response(request.version(), null, null, null, null, null);
            case SWEEP:
                return new RunnerProtocol.Response(request.version(), null, null, null,
                        Sandbox.sweep(settings.workRoot(), sandboxOptions(Duration.ofMinutes(2))), null);
            case COMMAND: {
                RunnerProtocol.CommandRun c = request.command();
                Duration limit = timeLimit(c.timeLimitMillis());
                ImageFileSystem image = image(c.image(), new HashMap<>());
                RuntimeConfig config = RunnerProtocol.runtimeConfig(c.config());
                // Version 1's one command: a batch of one.
                CommandAttempt attempt = RuncCommandRunner.runContained(settings.workRoot().resolve("command-" + id), image,
                        List.of(config), limit, sandboxOptions(limit), run::open).get(0);
                if (attempt.error() != null) {
                    throw new IOException(attempt.error());
                }
                return new RunnerProtocol.Response(request.version(), null, null, attempt.outcome(), null, null);
            }
            case COMMANDS: {
                RunnerProtocol.CommandBatch b = request.commands();
                Duration limit = timeLimit(b.timeLimitMillis());
                ImageFileSystem image = image(b.image(), new HashMap<>());
                List<RuntimeConfig> configs = new ArrayList<>();
                for (RunnerProtocol.Config c : b.commands()) {
                    configs.add(RunnerProtocol.runtimeConfig(c));
                }
                List<CommandAttempt> attempts = RuncCommandRunner.runContained(settings.workRoot().resolve("commands-" + id),
                        image, configs, limit, sandboxOptions(limit), run::open);
                return new RunnerProtocol.Response(request.version(), null, null, null, null, attempts);
            }
            case POD: {
                RunnerProtocol.PodRun p = request.pod();
                RunnerProtocol.RunLimits l = p.limits();
                if (l == null) {
                    throw new IllegalArgumentException("a pod run needs its limits");
                }
                MigrationVerifier.Options options = new MigrationVerifier.Options(settings.workRoot(),
                        timeLimit(l.timeLimitMillis()), ResourceLimits.DEFAULTS,
                        RunnerProtocol.millis(l.staysUpMillis(), "stays-up"),
                        RunnerProtocol.millis(l.probeDeadlineMillis(), "probe deadline"), "/", 0, 0, LayerLimits.defaults(),
                        Math.max(1, Math.min(l.logLines(), 1000)), settings.confinement()).withLayerTrees(settings.layerTrees());
                Map<RunnerProtocol.Image, ImageFileSystem> images = new HashMap<>();
                List<PodSpec.Member> members = new ArrayList<>();
                for (RunnerProtocol.Member m : p.members()) {
                    members.add(member(m, images));
                }
                List<PodSpec.Member> init = new ArrayList<>();
                for (RunnerProtocol.Member m : p.init()) {
                    init.add(member(m, images));
                }
                SandboxRun.Plan plan = new SandboxRun.Plan(new PodSpec(p.volumes(), members), new LinkedHashMap<>(p.programs()),
                        p.tcpPorts(), p.httpChecks(), p.expectedWrites(), p.settle(), init, p.killAtEnd());
                SandboxRun.Outcome outcome = SandboxRun.run(settings.workRoot().resolve("pod-" + id), plan, options,
                        p.pullMillis(), run::open, run.teardown);
                return new RunnerProtocol.Response(request.version(), null, RunnerProtocol.Outcome.of(outcome), null, null,
                        null);
            }
            default:
                throw new IllegalArgumentException("unknown op " + request.op());
        }
    }

    private PodSpec.Member member(RunnerProtocol.Member m, Map<RunnerProtocol.Image, ImageFileSystem> images)
            throws IOException {
        return new PodSpec.Member(m.name(), image(m.image(), images), RunnerProtocol.runtimeConfig(m.config()),
                m.mounts() == null ? List.of() : m.mounts());
    }

    /**
     * The image's view over its spooled layers: each layer this runner has not indexed before is read (and its digest
     * checked) here, as root; one it has is merged from its remembered index.
     */
    private ImageFileSystem image(RunnerProtocol.Image image, Map<RunnerProtocol.Image, ImageFileSystem> images)
            throws IOException {
        if (image == null) {
            throw new IllegalArgumentException("a container needs its image");
        }
        ImageFileSystem known = images.get(image);
        if (known == null) {
            known = LayeredFileSystem.build(RunnerProtocol.layers(image), RunnerProtocol.blobs(settings.spoolRoot(), image),
                    LayerLimits.defaults(), null, layers);
            images.put(image, known);
        }
        return known;
    }

    private Duration timeLimit(long millis) {
        Duration limit = RunnerProtocol.millis(millis, "time limit");
        if (limit.compareTo(settings.maxTimeLimit()) > 0) {
            throw new IllegalArgumentException("time limit " + limit.toSeconds() + " s exceeds this runner's maximum of "
                    + settings.maxTimeLimit().toSeconds() + " s");
        }
        return limit;
    }

    private Sandbox.Options sandboxOptions(Duration timeLimit) {
        return Sandbox.Options.defaults().withTimeLimit(timeLimit).withConfinement(settings.confinement())
                .withLayerTrees(settings.layerTrees());
    }

    /** The sandboxes of one request, closed all at once when its verifier goes away. */
    private static final class LiveRun {

        private final List<Sandbox> sandboxes = new ArrayList<>();
        /** The pod's sandbox once its outcome is known: closed after the answer is written. */
        final Teardown teardown = Teardown.deferred();
        private final Thread worker;
        private boolean cancelled;
        private boolean answered;

        LiveRun(Thread worker) {
            this.worker = worker;
        }

        synchronized Sandbox open(Path dir, Sandbox.Options options) throws IOException {
            if (cancelled) {
                throw new IOException("the verifier that asked for this run went away");
            }
            Sandbox s = Sandbox.open(dir, options);
            sandboxes.add(s);
            return s;
        }

        synchronized void cancel() {
            if (cancelled) {
                return;
            }
            cancelled = true;
            for (Sandbox s : sandboxes) {
                try {
                    s.close();
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing " + s.workDir() + ": " + e);
                    WorkDirectories.removeTreeQuietly(s.workDir());
                }
            }
            // Its containers are gone: the worker's waits (probes up to their deadline) end now, not at the deadline.
            worker.interrupt();
        }

        synchronized boolean cancelled() {
            return cancelled;
        }

        synchronized void removeDirectories() {
            sandboxes.forEach(s -> WorkDirectories.removeTreeQuietly(s.workDir()));
        }

        synchronized void answer() {
            answered = true;
        }

        synchronized boolean answered() {
            return answered;
        }
    }
}
