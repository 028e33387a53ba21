package dev.distill.engine.runtime;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.budget.Budget;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.LayeredFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A work directory that holds everything runc needs for a few containers: one bundle per container, shared volume
 * directories, and runc's own state directory, so that nothing is written on the host outside it and
 * {@code runc list} there shows exactly these containers. {@link #close()} deletes every container still there and
 * removes the directory (unless told to keep it for a post-mortem).
 *
 * <p>Every container of a sandbox is confined alike ({@link Options#confinement()}): the seccomp profile, and a user
 * namespace whose ids 0-65535 are a range of host ids that this sandbox leases for its lifetime, so no two live
 * sandboxes on the host share an id. The bundles' owners are mapped while unpacking; the work directory belongs to
 * host root with the range's root group (mode 0710), and every directory above it must let others through (mode
 * {@code o+x}), because the container's root, an unprivileged host id, mounts its rootfs by that path. A sandbox
 * marks its directory as held ({@link OwnedDirectory}); {@link #sweep} removes what a crashed process left.
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
    private final OwnedDirectory owner;
    private final HostIdPool.Lease ids;
    private final Runc runc;
    private final ScheduledExecutorService watchdogs;
    private final Map<String, ContainerRun> runs = new LinkedHashMap<>();
    /**
     * Names of containers being prepared or prepared, not created yet. Those without a bundle in {@link #unclaimed}
     * are under way: {@link #close()} waits for them, since they write in the work directory.
     */
    private final Set<String> preparing = new HashSet<>();
    /** Bundles prepared and not created yet: {@link #close()} removes them. */
    private final Set<Prepared> unclaimed = new HashSet<>();
    private boolean closed;

    /**
     * @param timeLimit wall-clock time a container may run after its start before it is killed
     * @param logLimit bytes of each container's output kept
     * @param keepWorkDir leave bundles and logs on disk after close (containers are deleted all the same)
     * @param cgroups which limits the host can enforce
     * @param confinement the runtime, seccomp profile and user namespaces of every container
     * @param layerTrees where layers are unpacked once and shared by containers' overlay rootfs; null to unpack every
     *     image in full for every container
     */
    public record Options(Duration timeLimit, long logLimit, boolean keepWorkDir, HostCgroups cgroups, Confinement confinement,
            LayerTreeStore layerTrees) {

        public Options {
            if (timeLimit == null || timeLimit.isNegative() || timeLimit.isZero()) {
                throw new IllegalArgumentException("time limit must be positive, got " + timeLimit);
            }
            if (logLimit < 0) {
                throw new IllegalArgumentException("log limit must not be negative, got " + logLimit);
            }
            if (cgroups == null || confinement == null) {
                throw new IllegalArgumentException("cgroups and the confinement are required, got " + cgroups + ", " + confinement);
            }
        }

        /** Without shared layer trees: every container's image unpacked in full. */
        public Options(Duration timeLimit, long logLimit, boolean keepWorkDir, HostCgroups cgroups, Confinement confinement) {
            this(timeLimit, logLimit, keepWorkDir, cgroups, confinement, null);
        }

        /**
         * Two minutes, 1 MiB of output per container, the host's cgroups, and the full confinement
         * ({@link Confinement#defaults()}: runc, the seccomp profile, user namespaces); images unpacked in full.
         */
        public static Options defaults() {
            return new Options(Duration.ofMinutes(2), 1 << 20, false, HostCgroups.detect(), Confinement.defaults());
        }

        public Options withTimeLimit(Duration limit) {
            return new Options(limit, logLimit, keepWorkDir, cgroups, confinement, layerTrees);
        }

        public Options keepingWorkDir() {
            return new Options(timeLimit, logLimit, true, cgroups, confinement, layerTrees);
        }

        public Options withConfinement(Confinement newConfinement) {
            return new Options(timeLimit, logLimit, keepWorkDir, cgroups, newConfinement, layerTrees);
        }

        /** Containers' rootfs as overlays of the store's layer trees where the host can (null: full unpacks). */
        public Options withLayerTrees(LayerTreeStore store) {
            return new Options(timeLimit, logLimit, keepWorkDir, cgroups, confinement, store);
        }
    }

    private Sandbox(Path workDir, Options options, OwnedDirectory owner, HostIdPool.Lease ids) {
        this.workDir = workDir;
        this.options = options;
        this.owner = owner;
        this.ids = ids;
        this.runc = new Runc(options.confinement().runtime(), workDir.resolve("runc"));
        this.watchdogs = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "sandbox-watchdog " + workDir.getFileName());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Creates {@code workDir} (which must not exist yet) and a sandbox in it, and leases its host ids.
     *
     * @throws IOException when the directory cannot be made, a directory above it does not let others through (with
     *     user namespaces), or no id range is free
     */
    public static Sandbox open(Path workDir, Options options) throws IOException {
        Path dir = workDir.toAbsolutePath().normalize();
        Files.createDirectories(dir.getParent());
        HostIdPool pool = options.confinement().userNamespaces();
        checkParent(dir, options);
        Files.createDirectory(dir);  // fails if it exists: a sandbox never shares its directory
        Files.setAttribute(dir, "unix:mode", 0700);
        OwnedDirectory owner = null;
        HostIdPool.Lease ids = null;
        try {
            owner = OwnedDirectory.claim(dir, "sandbox");
            if (pool != null) {
                ids = pool.lease(dir.toString());
                // The container's root reaches its rootfs through here by group; nobody else on the host does.
                Files.setAttribute(dir, "unix:gid", (int) ids.mapping().hostGid(0));
                Files.setAttribute(dir, "unix:mode", 0710);
            }
            return new Sandbox(dir, options, owner, ids);
        } catch (IOException | RuntimeException e) {
            if (ids != null) {
                ids.close();
            }
            if (owner != null) {
                owner.close();
            }
            WorkDirectories.removeTreeQuietly(dir);
            throw e;
        }
    }

    /**
     * Fails unless a sandbox can work in {@code dir} (existing or not): with user namespaces, every existing
     * directory above it must let others through ({@code o+x}), for the containers' root is an unprivileged host id.
     *
     * @throws IOException naming the directory that stops them
     */
    public static void checkParent(Path dir, Options options) throws IOException {
        if (options.confinement().userNamespaces() == null) {
            return;
        }
        for (Path p = dir.toAbsolutePath().normalize().getParent(); p != null; p = p.getParent()) {
            if (!Files.exists(p)) {
                continue;
            }
            PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class);
            int mode = (int) Files.getAttribute(p, "unix:mode");
            if ((mode & 0001) == 0) {
                throw new IOException("directory " + p + " (owner " + a.owner().getName() + ", mode " + Integer.toOctalString(mode & 07777)
                        + ") does not let others through: a container's root, an unprivileged host id in its user "
                        + "namespace, could not reach its rootfs below it; use a work directory whose parents are o+x (e.g. 0711)");
            }
        }
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
     * How the containers' ids map to the host's: their user namespace's mapping, or {@link IdMapping#IDENTITY}
     * without user namespaces. Files a container wrote into its bundle or a volume belong to these host ids; map
     * them back ({@link IdMapping#containerUid}) to read them as the image's owners.
     */
    public IdMapping idMapping() {
        return ids == null ? IdMapping.IDENTITY : ids.mapping();
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
    public ContainerRun create(String name, ImageFileSystem image, RuntimeConfig config) throws IOException {
        return create(prepare(name, image), config);
    }

    /**
     * A container's bundle with its rootfs, before {@code runc create}: made by {@link #prepare}, given to
     * {@link #create(Prepared, RuntimeConfig)} once, or closed (which removes it).
     */
    public final class Prepared implements AutoCloseable {
        private final String name;
        private final String id;
        private final Path bundle;
        private final UnpackReport unpack;
        private final OverlayRootfs overlay;
        private boolean used;

        private Prepared(String name, String id, Path bundle, UnpackReport unpack, OverlayRootfs overlay) {
            this.name = name;
            this.id = id;
            this.bundle = bundle;
            this.unpack = unpack;
            this.overlay = overlay;
        }

        public String name() {
            return name;
        }

        public UnpackReport unpack() {
            return unpack;
        }

        /** Removes the bundle and lets its name go, unless a container was created from it. */
        @Override
        public void close() throws IOException {
            synchronized (Sandbox.this) {
                if (used) {
                    return;
                }
                used = true;
                preparing.remove(name);
                unclaimed.remove(this);
            }
            removeBundle(bundle, overlay);
        }

        private Sandbox sandbox() {
            return Sandbox.this;
        }
    }

    /**
     * Makes a container's bundle and rootfs (unpacked, or an overlay of layer trees) without creating it. Several
     * may be prepared at once, on threads of their own (a pod's members): only the name is reserved under the
     * sandbox's lock. {@link #close()} waits for preparations under way.
     *
     * @param name lower-case letters, digits and dashes, unique in this sandbox
     */
    public Prepared prepare(String name, ImageFileSystem image) throws IOException {
        if (name == null || !name.matches("[a-z0-9][a-z0-9-]{0,30}")) {
            throw new IllegalArgumentException("container name must be 1-31 lower-case letters, digits and dashes, got " + name);
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("sandbox " + workDir + " is closed");
            }
            if (runs.containsKey(name) || preparing.contains(name)) {
                throw new IllegalArgumentException("sandbox " + workDir + " already has a container named " + name);
            }
            preparing.add(name);
        }
        String id = "distill-" + name + "-" + HexFormat.of().formatHex(bytes(4));
        Path bundle = workDir.resolve(id);
        OverlayRootfs overlay = null;
        Prepared prepared = null;
        try {
            // Unpacking and creating take time of their own: not worth it once the work's budget is spent.
            Budget.current().ensureRemaining("create container " + name);
            Files.createDirectory(bundle);
            long started = System.nanoTime();
            UnpackReport unpack = null;
            String whyNot = overlayProblem(image);
            if (whyNot == null) {
                try {
                    List<UnpackReport.Skipped> skipped = new ArrayList<>();
                    OverlayRootfs.Owners owners = options.layerTrees().owners(idMapping());
                    overlay = OverlayRootfs.mount(bundle, options.layerTrees().acquire((LayeredFileSystem) image), image, idMapping(),
                            owners, skipped);
                    Duration took = Duration.ofNanos(System.nanoTime() - started);
                    unpack = new UnpackReport(overlay.rootfs(), overlay.directories(), overlay.files(), overlay.symlinks(),
                            overlay.hardLinks(), 0, took, skipped, "overlay of " + overlay.layers() + " shared layer trees ("
                            + overlay.treesUnpacked() + " unpacked now, in " + overlay.treesTook().toMillis() + " ms; owners "
                            + (owners == OverlayRootfs.Owners.MAPPED_BY_MOUNT ? "id-mapped" : "changed by a walk") + ")");
                } catch (IOException e) {
                    whyNot = "the overlay of layer trees failed: " + e.getMessage();
                    for (String dir : new String[] {"rootfs", OverlayRootfs.WRITABLE_LAYER, OverlayRootfs.CHECKED_VIEW, OverlayRootfs.MAPPED_TREES}) {
                        WorkDirectories.removeTree(bundle.resolve(dir));
                    }
                    overlay = null;
                }
            }
            if (overlay == null) {
                unpack = RootfsUnpacker.unpack(image, bundle.resolve("rootfs"), idMapping());
                if (whyNot != null && options.layerTrees() != null) {
                    unpack = unpack.withMethod(UnpackReport.FULL_UNPACK + " (" + whyNot + ")", Duration.ofNanos(System.nanoTime() - started));
                }
            }
            prepared = new Prepared(name, id, bundle, unpack, overlay);
            return prepared;
        } finally {
            synchronized (this) {
                if (prepared == null) {
                    preparing.remove(name);
                } else {
                    unclaimed.add(prepared);
                }
                notifyAll();
            }
            if (prepared == null) {
                removeBundle(bundle, overlay);
            }
        }
    }

    /**
     * Writes the prepared container's runtime config and runs {@code runc create}: the container exists, stopped
     * before its process, with {@link ContainerRun#pid()} known. Start it with {@link ContainerRun#start()}.
     *
     * @throws IOException when {@code runc create} fails (with runc's and the container's output); nothing of the
     *     container is left behind then
     */
    public synchronized ContainerRun create(Prepared prepared, RuntimeConfig config) throws IOException {
        if (prepared.used || prepared.sandbox() != this) {
            throw new IllegalArgumentException("container " + prepared.name + " was created or removed already, or belongs to another sandbox");
        }
        prepared.used = true;
        preparing.remove(prepared.name);
        unclaimed.remove(prepared);
        String id = prepared.id;
        Path bundle = prepared.bundle;
        ContainerLog log = null;
        boolean created = false;
        try {
            if (closed) {
                throw new IllegalStateException("sandbox " + workDir + " is closed");
            }
            // A relative cgroups path nests the container's cgroups under our own: the limits of the process that
            // runs the sandbox still apply to everything inside it.
            Files.write(bundle.resolve("config.json"), config.toJson(id, options.cgroups(), options.confinement().seccomp(),
                    idMapping()));
            log = ContainerLog.open(bundle, options.logLimit());
            // The container's stdout and stderr: programs reopen them (/dev/stderr), and its root has no rights on a
            // file of host root's. (lchown does not open the FIFO; the mode is set when it is made.)
            Files.setAttribute(log.fifo(), "unix:uid", (int) idMapping().hostUid(0), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(log.fifo(), "unix:gid", (int) idMapping().hostGid(0), LinkOption.NOFOLLOW_LINKS);
            Path pidFile = bundle.resolve("init.pid");
            Runc.Result r = runc.create(id, bundle, pidFile, log.fifo());
            created = true;
            if (!r.ok()) {
                log.awaitEnd(1000);
                throw new IOException("runc create " + id + " failed (exit " + r.exit() + "): " + log.tail(20).strip());
            }
            int pid = ContainerRun.readPid(pidFile);
            // Where its cgroups are: for the limits it reached, and for a sweep should this process die.
            ContainerCgroups cgroups = ContainerCgroups.of(pid);
            cgroups.save(bundle);
            ContainerRun run = new ContainerRun(prepared.name, id, bundle, runc, config, prepared.unpack, prepared.overlay, log, pid,
                    cgroups, options.timeLimit(), watchdogs, options.keepWorkDir());
            runs.put(prepared.name, run);
            return run;
        } catch (IOException | RuntimeException e) {
            if (created) {
                runc.deleteForce(id);
            }
            if (log != null) {
                log.close();
            }
            removeBundle(bundle, prepared.overlay);
            throw e;
        }
    }

    private void removeBundle(Path bundle, OverlayRootfs overlay) throws IOException {
        if (overlay != null) {
            overlay.close();  // before the bundle goes: a removal must never walk into the shared trees
        }
        if (!options.keepWorkDir()) {
            WorkDirectories.removeTree(bundle);
        }
    }

    /**
     * Why this image's rootfs cannot be an overlay of shared layer trees (null if it can): no store configured, an
     * image not read from layers, a host without overlayfs metacopy, or an id pool that could map the trees' owners.
     */
    private String overlayProblem(ImageFileSystem image) {
        LayerTreeStore store = options.layerTrees();
        if (store == null) {
            return "no layer tree store";
        }
        if (!(image instanceof LayeredFileSystem)) {
            return "the image is not read from layers";
        }
        HostIdPool pool = options.confinement().userNamespaces();
        if (pool != null && (pool.firstUid() < LayerTreeStore.TREE_IDS.size() || pool.firstGid() < LayerTreeStore.TREE_IDS.size())) {
            // The trees belong to host ids 0-65535; a container whose namespace maps them could own the shared files.
            return "the id pool (" + pool + ") overlaps the layer trees' owners, host ids 0-" + (LayerTreeStore.TREE_IDS.size() - 1);
        }
        return store.overlayProblem();
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
        // Owned as the containers see it: by the host ids their uid and gid are.
        Files.setAttribute(dir, "unix:uid", (int) idMapping().hostUid(uid), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(dir, "unix:gid", (int) idMapping().hostGid(gid), LinkOption.NOFOLLOW_LINKS);
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
        while (preparing.size() > unclaimed.size()) {
            try {
                wait();  // a preparation ends soon: it checks the budget, and its rootfs is then made or not
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        IOException failure = null;
        for (Prepared p : new ArrayList<>(unclaimed)) {
            try {
                p.close();
            } catch (IOException e) {
                failure = e;
            }
        }
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
            for (String id : runc.stateIds()) {
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
        // The ids go back to the pool only when no container holds them any more.
        for (AutoCloseable held : new AutoCloseable[] {ids, owner}) {
            try {
                if (held != null) {
                    held.close();
                }
            } catch (Exception e) {
                failure = failure == null ? new IOException("cannot release " + held + ": " + e, e) : failure;
            }
        }
        if (options.keepWorkDir()) {
            // Kept for a post-mortem: no longer anyone's, and not a crashed process's leftover for a sweep either.
            Files.deleteIfExists(workDir.resolve(OwnedDirectory.LOCK_FILE));
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Removes what crashed processes left under {@code root}: every directory marked as held
     * ({@link OwnedDirectory}, as sandboxes and verifications mark theirs) whose holder is dead. Its containers
     * are deleted through runc's state in it, processes still in its containers' cgroups are killed and the cgroups
     * removed, mounts below it detached, and the directory removed. Directories held by a live process, this one
     * included, are left alone, so instances may share a work root. Call it when an instance starts.
     */
    public static SweepReport sweep(Path root, Options options) {
        return new SandboxSweeper(options.confinement().runtime()).sweep(root);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

}
