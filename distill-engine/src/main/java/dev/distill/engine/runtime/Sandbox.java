package dev.distill.engine.runtime;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.io.WorkDirectories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A work directory that holds everything runc needs for a few containers: one bundle per container, shared volume
 * directories, and runc's own state directory, so that nothing is written on the host outside it and
 * {@code runc list} there shows exactly these containers. {@link #close()} deletes every container still there and
 * removes the directory (unless told to keep it for a post-mortem).
 *
 * <pre>{@code
 * try (Sandbox sandbox = Sandbox.open(workDir, Sandbox.Options.defaults())) {
 *     ContainerRun run = sandbox.create("app", image, RuntimeConfig.of(config, user));
 *     run.start();
 *     ...
 * }
 * }</pre>
 */
public final class Sandbox implements AutoCloseable {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path workDir;
    private final Options options;
    private final Runc runc;
    private final ScheduledExecutorService watchdogs;
    private final Map<String, ContainerRun> runs = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param timeLimit wall-clock time a container may run after its start before it is killed
     * @param logLimit bytes of each container's output kept
     * @param keepWorkDir leave bundles and logs on disk after close (containers are deleted all the same)
     * @param cgroups which limits the host can enforce
     */
    public record Options(Duration timeLimit, long logLimit, boolean keepWorkDir, HostCgroups cgroups, String runcBinary) {

        public Options {
            if (timeLimit == null || timeLimit.isNegative() || timeLimit.isZero()) {
                throw new IllegalArgumentException("time limit must be positive, got " + timeLimit);
            }
            if (logLimit < 0) {
                throw new IllegalArgumentException("log limit must not be negative, got " + logLimit);
            }
            if (cgroups == null || runcBinary == null || runcBinary.isBlank()) {
                throw new IllegalArgumentException("cgroups and the runc binary are required, got " + cgroups + ", " + runcBinary);
            }
        }

        /** Two minutes, 1 MiB of output per container, the host's cgroups, {@code runc} from the PATH. */
        public static Options defaults() {
            return new Options(Duration.ofMinutes(2), 1 << 20, false, HostCgroups.detect(), "runc");
        }

        public Options withTimeLimit(Duration limit) {
            return new Options(limit, logLimit, keepWorkDir, cgroups, runcBinary);
        }

        public Options keepingWorkDir() {
            return new Options(timeLimit, logLimit, true, cgroups, runcBinary);
        }
    }

    private Sandbox(Path workDir, Options options) {
        this.workDir = workDir;
        this.options = options;
        this.runc = new Runc(options.runcBinary(), workDir.resolve("runc"));
        this.watchdogs = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox-watchdog " + workDir.getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /** Creates {@code workDir} (which must not exist yet) and a sandbox in it. */
    public static Sandbox open(Path workDir, Options options) throws IOException {
        Path dir = workDir.toAbsolutePath().normalize();
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir);  // fails if it exists: a sandbox never shares its directory
        Files.setAttribute(dir, "unix:mode", 0700);
        return new Sandbox(dir, options);
    }

    public Path workDir() {
        return workDir;
    }

    public Runc runc() {
        return runc;
    }

    public Options options() {
        return options;
    }

    /**
     * Unpacks the image into a new bundle, writes its runtime config and runs {@code runc create}: the container
     * exists, stopped before its process, with {@link ContainerRun#pid()} known. Start it with
     * {@link ContainerRun#start()}.
     *
     * @param name lower-case letters, digits and dashes, unique in this sandbox
     * @throws IOException when unpacking or {@code runc create} fails (with runc's and the container's output);
     *     nothing of the container is left behind then
     */
    public synchronized ContainerRun create(String name, ImageFileSystem image, RuntimeConfig config) throws IOException {
        if (closed) {
            throw new IllegalStateException("sandbox " + workDir + " is closed");
        }
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("container name must be 1-31 lower-case letters, digits and dashes, got " + name);
        }
        if (runs.containsKey(name)) {
            throw new IllegalArgumentException("sandbox " + workDir + " already has a container named " + name);
        }
        // Unpacking and creating take time of their own: not worth it once the work's budget is spent.
        Budget.current().ensureRemaining("create container " + name);
        String id = "distill-" + name + "-" + HexFormat.of().formatHex(bytes(4));
        Path bundle = workDir.resolve(id);
        Files.createDirectory(bundle);
        ContainerLog log = null;
        boolean created = false;
        try {
            UnpackReport unpack = RootfsUnpacker.unpack(image, bundle.resolve("rootfs"));
            // A relative cgroups path nests the container's cgroups under our own: the limits of the process that
            // runs the sandbox still apply to everything inside it.
            Files.write(bundle.resolve("config.json"), config.toJson(id, options.cgroups()));
            log = ContainerLog.open(bundle, options.logLimit());
            Path pidFile = bundle.resolve("init.pid");
            Runc.Result r = runc.create(id, bundle, pidFile, log.fifo());
            created = true;
            if (!r.ok()) {
                log.awaitEnd(1000);
                throw new IOException("runc create " + id + " failed (exit " + r.exit() + "): " + log.tail(20).strip());
            }
            ContainerRun run = new ContainerRun(name, id, bundle, runc, config, unpack, log, ContainerRun.readPid(pidFile),
                    options.timeLimit(), watchdogs, options.keepWorkDir());
            runs.put(name, run);
            return run;
        } catch (IOException | RuntimeException e) {
            if (created) {
                runc.deleteForce(id);
            }
            if (log != null) {
                log.close();
            }
            if (!options.keepWorkDir()) {
                WorkDirectories.removeTree(bundle);
            }
            throw e;
        }
    }

    /**
     * A directory for a volume that containers share, made in the work directory with the given owner and mode
     * (as the program that writes it expects), to mount with {@link BindMount}.
     */
    public synchronized Path volume(String name, int uid, int gid, int mode) throws IOException {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new IllegalArgumentException("volume name must be lower-case letters, digits and dashes, got " + name);
        }
        Path volumes = workDir.resolve("volumes");
        Files.createDirectories(volumes);
        Path dir = volumes.resolve(name);
        Files.createDirectory(dir);
        Files.setAttribute(dir, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:mode", mode & 07777, LinkOption.NOFOLLOW_LINKS);
        return dir;
    }

    /** The containers created so far, in creation order. */
    public synchronized List<ContainerRun> containers() {
        return List.copyOf(runs.values());
    }

    /**
     * Deletes every container (also any runc still lists in this sandbox's state directory, should one have
     * escaped bookkeeping) and removes the work directory unless kept. Every step is tried; the first failure is
     * thrown at the end.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        List<ContainerRun> all = new ArrayList<>(runs.values());
        Collections.reverse(all);  // pod members that joined a namespace go before its owner
        for (ContainerRun run : all) {
            try {
                run.close();
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        try {
            for (String id : runc.list()) {
                runc.deleteForce(id);
            }
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        watchdogs.shutdownNow();
        if (!options.keepWorkDir()) {
            try {
                WorkDirectories.removeTree(workDir);
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

}
