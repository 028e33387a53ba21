package dev.distill.engine.runtime;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.io.WorkDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A container's rootfs as an overlay mount of shared layer trees ({@link LayerTreeStore}): the trees are the
 * read-only lower directories, top layer first, and the upper and work directories are on a tmpfs of the run's own in
 * its bundle, so whatever the container writes lands in its own upper directory.
 *
 * <p>The trees hold the image's own owners; a container sees them through its user namespace, so each must show as
 * the host id its sandbox maps it to. Two ways, in {@link Owners}: where the kernel can, each tree is mounted
 * id-mapped ({@link IdMappedTrees}), which shows every owner mapped without touching a file; elsewhere every owner is
 * changed through the overlay, which with {@code metacopy=on} copies up the file's metadata only, never its data.
 * Either way the mount's entries are then listed (by {@code find}, in one pass) and checked against the image: an
 * owner or mode that differs is set (a directory one layer implies above another that lists it, or every entry when
 * owners are changed), and file capabilities and ACLs are set again where a change of owner cleared them, as
 * {@link RootfsUnpacker} sets them.
 *
 * <p>The listing also checks the stacked trees against the image's merged view: a path the image does not have, or
 * an image path the mount lacks, is an error, and the caller unpacks in full instead.
 */
final class OverlayRootfs implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(OverlayRootfs.class.getName());
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;
    private static final Set<FileType> PLACED = Set.of(FileType.DIRECTORY, FileType.REGULAR, FileType.SYMLINK, FileType.HARDLINK);

    /**
     * The upper and work directories live on a tmpfs of the run's own: the owner walk copies up one inode per entry,
     * which on a disk file system costs a block and a journal write each (seconds for a Debian image on a busy disk,
     * against under one on tmpfs). What a container writes there is charged to its own memory cgroup.
     */
    static final String WRITABLE_LAYER = "writable-layer";
    /** The tmpfs's bound; the container's memory limit usually ends its writes first. */
    static final String WRITABLE_LAYER_SIZE = "1g";

    /** How the trees' owners come to show as the container's: see the class comment. */
    enum Owners {
        /** Each tree is mounted id-mapped by the sandbox's ids: the listing only checks (and mends what layers imply). */
        MAPPED_BY_MOUNT,
        /** The trees are mounted as they are, and every owner is changed through the overlay. */
        CHANGED_BY_WALK
    }

    /** The bundle's directory where the trees' id-mapped views are attached until the overlays hold them. */
    static final String MAPPED_TREES = "mapped-trees";
    /**
     * Where the trees' id-mapped views are also mounted as a read-only overlay without an upper directory: the image
     * as the trees make it, which no container writes, listed and checked beside the run.
     */
    static final String CHECKED_VIEW = "checked-view";

    private final Path rootfs;
    private final Path writable;
    private final LayerTreeStore.Trees trees;
    private final Owners owners;
    private final Path checkedView;
    /** Why the rootfs does not add up to the image, or null: known before the start, or from the check beside the run. */
    private final CompletableFuture<String> check = new CompletableFuture<>();
    private boolean checkedMounted;
    private volatile boolean checkStarted;
    /** Whether a check found the trees not adding up to the image: they are discarded at close. */
    private volatile boolean damaged;
    private boolean tmpfsMounted;
    private boolean mounted;

    private OverlayRootfs(Path bundle, LayerTreeStore.Trees trees, Owners owners) {
        this.rootfs = bundle.resolve("rootfs");
        this.writable = bundle.resolve(WRITABLE_LAYER);
        this.checkedView = bundle.resolve(CHECKED_VIEW);
        this.trees = trees;
        this.owners = owners;
        if (owners == Owners.CHANGED_BY_WALK) {
            check.complete(null);  // the walk checks every entry before the container is created
        }
    }

    /**
     * Mounts the trees at {@code bundle/rootfs} (upper and work directories beside it) and gives every entry the
     * image's owner under {@code ids} and the image's mode. On failure nothing stays mounted and the trees are let go.
     *
     * @param owners how the owners are given; {@link Owners#MAPPED_BY_MOUNT} needs a user namespace's {@code ids}
     * @throws IOException when the mount fails or the trees do not add up to the image
     */
    static OverlayRootfs mount(Path bundle, LayerTreeStore.Trees trees, ImageFileSystem image, IdMapping ids, Owners owners,
            List<UnpackReport.Skipped> skipped) throws IOException {
        if (owners == Owners.MAPPED_BY_MOUNT && ids.isIdentity()) {
            throw new IllegalArgumentException("owners mapped by mount need a user namespace's ids, got " + ids);
        }
        OverlayRootfs overlay = new OverlayRootfs(bundle, trees, owners);
        try {
            overlay.mountTrees(bundle.resolve(MAPPED_TREES), ids);
            overlay.own(image, ids, skipped);
            return overlay;
        } catch (IOException | RuntimeException e) {
            try {
                overlay.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    Path rootfs() {
        return rootfs;
    }

    /** The container's own layer: what it writes (a source's root is writable), and the walk's metadata copies. */
    Path upper() {
        return writable.resolve("upper");
    }

    private void mountTrees(Path mappedTrees, IdMapping ids) throws IOException {
        Files.createDirectory(rootfs);
        Files.createDirectory(writable);
        mount("tmpfs", writable, "mode=0700,size=" + WRITABLE_LAYER_SIZE);
        tmpfsMounted = true;
        Path upper = Files.createDirectory(writable.resolve("upper"));
        Path work = Files.createDirectory(writable.resolve("work"));
        List<Path> lower = owners == Owners.MAPPED_BY_MOUNT ? attachMapped(mappedTrees, ids) : trees.bottomFirst();
        try {
            StringBuilder lowerdir = new StringBuilder();
            for (Path p : lower) {
                lowerdir.insert(0, p + (lowerdir.length() == 0 ? "" : ":"));  // overlayfs lists the top layer first
            }
            mountOverlay(lowerdir.toString(), upper, work, rootfs);
            mounted = true;
            if (owners == Owners.MAPPED_BY_MOUNT) {
                // Without an upper directory an overlay is read-only; it needs two lower ones, hence an empty bottom.
                Path empty = Files.createDirectory(writable.resolve("empty"));
                Files.createDirectory(checkedView);
                mount("overlay", checkedView, "lowerdir=" + lowerdir + ":" + empty);
                checkedMounted = true;
            }
        } finally {
            if (owners == Owners.MAPPED_BY_MOUNT) {
                detachAll(lower);
                WorkDirectories.removeTree(mappedTrees);
            }
        }
    }

    /** Attaches each tree's id-mapped view at {@code dir/<n>} (short names: the mount options fit one page). */
    private List<Path> attachMapped(Path dir, IdMapping ids) throws IOException {
        Files.createDirectory(dir);
        List<Path> attached = new ArrayList<>();
        try {
            for (Path tree : trees.bottomFirst()) {
                Path target = Files.createDirectory(dir.resolve(Integer.toString(attached.size())));
                IdMappedTrees.attach(tree, target, ids);
                attached.add(target);
            }
            return attached;
        } catch (IOException | RuntimeException e) {
            try {
                detachAll(attached);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Detaches the views: the overlay keeps private copies of its layers' mounts, so it works on without them. They
     * are read-only, so even a removal that walked into one could not reach its tree.
     */
    private static void detachAll(List<Path> attached) throws IOException {
        IOException failure = null;
        for (Path view : attached) {
            try {
                MountCalls.detach(view);
            } catch (IOException e) {
                failure = failure == null ? e : failure;  // the others are detached all the same; a sweep detaches the rest
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void mountOverlay(String lowerdir, Path upper, Path work, Path target) throws IOException {
        // metacopy: an owner change copies metadata only; redirect_dir: renaming a lower directory needs no copy of it;
        // index: the names of one lower inode (a layer's hard links) are copied up to one upper inode, so the owner walk,
        // which copies every name up, keeps them one file (without it each name became a file of its own: nlink 1).
        mount("overlay", target, "lowerdir=" + lowerdir + ",upperdir=" + upper + ",workdir=" + work + ",metacopy=on,redirect_dir=on,index=on");
    }

    /** Mounts by a call where JNA loads, else with mount(8). */
    private static void mount(String type, Path target, String options) throws IOException {
        if (MountCalls.loaded()) {
            MountCalls.mount(type, target, options);
        } else {
            LayerTreeStore.run(List.of("mount", "-t", type, "-o", options, type, target.toString()), null);
        }
    }

    /** Statistics for the unpack report: directories, files, symlinks, hard links. */
    private final AtomicLongArray counts = new AtomicLongArray(4);

    /**
     * Threads that change owners and modes through the overlay. Each call waits on overlayfs's metadata copy-up as
     * much as it uses a core; with owners changed for every entry (thousands in a Debian image) that is on the way of
     * every container's start. With id-mapped trees the few changes are made on the calling thread.
     */
    static final int CHANGERS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    /** Fewer changes than this are made on the calling thread: a pool costs more than it saves. */
    private static final int CHANGES_IN_PARALLEL = 256;

    private void own(ImageFileSystem image, IdMapping ids, List<UnpackReport.Skipped> skipped) throws IOException {
        Map<String, FileEntry> expected = new HashMap<>();
        List<FileEntry> withXattrs = new ArrayList<>();
        image.entries().forEach(e -> {
            if (PLACED.contains(e.type()) && !e.path().equals("/")) {
                expected.put(e.path(), e);
                if (!e.xattrs().values().isEmpty() && e.type() != FileType.HARDLINK) {
                    // A hard link's attributes are its target's inode's, set once through the target as a full unpack does.
                    withXattrs.add(e);
                }
            } else if (!e.path().equals("/")) {
                skipped.add(new UnpackReport.Skipped(e.path(), e.type().name().toLowerCase().replace('_', ' ')
                        + " is not unpacked; runc provides /dev"));
            }
        });
        List<Change> changes = new ArrayList<>();
        if (owners == Owners.MAPPED_BY_MOUNT) {
            // Only a directory can show other than the image says: a file's owner and mode are its own tree's, shown
            // mapped, while a directory shows the highest tree that has it, which may only imply it. So only the
            // directories are listed now; every entry is checked beside the run (startCheck).
            for (Found found : list(rootfs, true)) {
                FileEntry entry = expected.get(found.path());
                Change change = entry == null || entry.type() == FileType.DIRECTORY ? compare(found, entry, ids) : null;
                if (change != null) {
                    changes.add(change);
                }
            }
            startCheck(expected, ids);
        } else {
            List<Found> listed = list(rootfs, false);
            String mismatch = mismatch(listed, expected, ids, false);
            if (mismatch != null) {
                damaged = true;
                throw new IOException(mismatch);
            }
            for (Found found : listed) {
                Change change = compare(found, expected.get(found.path()), ids);
                if (change != null) {
                    changes.add(change);
                }
            }
        }
        account(expected.values(), ids, skipped);
        apply(changes);
        // A change of owner removed file capabilities, and the trees' ACLs name the image's ids: both are set again,
        // mapped, where the owner was changed (an id-mapped tree shows its ACLs mapped already).
        Set<String> ownerChanged = new HashSet<>();
        changes.stream().filter(c -> c.uid() >= 0 || c.gid() >= 0).forEach(c -> ownerChanged.add(c.path()));
        List<FileEntry> inPlace = new ArrayList<>();
        List<FileEntry> cleared = new ArrayList<>();
        withXattrs.forEach(e -> (ownerChanged.contains(e.path()) ? cleared : inPlace).add(e));
        inPlace.sort(Comparator.comparing(FileEntry::path));
        skipped.addAll(RootfsUnpacker.xattrsNotApplied(ids, inPlace));
        skipped.addAll(RootfsUnpacker.applyXattrs(rootfs, ids, cleared));
    }

    /**
     * Why the listed mount does not add up to the image (null if it does): paths the image does not have (directories
     * aside: the layers may imply them), image paths the mount lacks, and with {@code ownersToo} anything but a
     * directory whose owner or mode is not the image's (a directory's the run mends).
     */
    private static String mismatch(List<Found> listed, Map<String, FileEntry> expected, IdMapping ids, boolean ownersToo) {
        Set<String> missing = new HashSet<>(expected.keySet());
        List<String> strays = new ArrayList<>();
        List<String> differ = new ArrayList<>();
        for (Found found : listed) {
            FileEntry entry = expected.get(found.path());
            missing.remove(found.path());
            if (entry == null && !found.path().equals("/") && found.type() != S_IFDIR) {
                strays.add(found.path());
            } else if (ownersToo && entry != null && found.type() != S_IFDIR && compare(found, entry, ids) != null) {
                differ.add(found.path());
            }
        }
        if (strays.isEmpty() && missing.isEmpty() && differ.isEmpty()) {
            return null;
        }
        // The first path of each in name order: a report must not vary with the order of a listing.
        return "the layer trees do not add up to the image: " + strays.size() + " paths the image does not have"
                + (strays.isEmpty() ? "" : " (e.g. " + Collections.min(strays) + ")") + ", " + missing.size()
                + " image paths missing" + (missing.isEmpty() ? "" : " (e.g. " + Collections.min(missing) + ")")
                + (differ.isEmpty() ? "" : ", " + differ.size() + " with another owner or mode (e.g. " + Collections.min(differ) + ")");
    }

    /** Counts the image's entries for the report, and notes those whose owner the container cannot have. */
    private void account(java.util.Collection<FileEntry> entries, IdMapping ids, List<UnpackReport.Skipped> skipped) {
        List<UnpackReport.Skipped> unmapped = new ArrayList<>();
        for (FileEntry entry : entries) {
            counts.incrementAndGet(switch (entry.type()) {
                case DIRECTORY -> 0;
                case SYMLINK -> 2;
                case HARDLINK -> 3;
                default -> 1;
            });
            if (!ids.maps(entry.uid()) || !ids.maps(entry.gid())) {
                unmapped.add(new UnpackReport.Skipped(entry.path(), "owner " + entry.uid() + ":" + entry.gid()
                        + " is outside the container's ids 0-" + (ids.size() - 1) + "; unpacked as nobody ("
                        + IdMapping.NOBODY + "), without setuid and setgid"));
            }
        }
        unmapped.sort(Comparator.comparing(UnpackReport.Skipped::path));  // the map's order is no order: a report must not vary
        skipped.addAll(unmapped);
    }

    /**
     * What must change for one listed entry to show the image's owner and mode (or the container root's, for the root
     * and a directory the layers imply without listing), or null: most entries, with id-mapped trees.
     */
    private static Change compare(Found found, FileEntry entry, IdMapping ids) {
        int uid = 0;
        int gid = 0;
        int mode = found.mode();  // an implied directory keeps the mode the tree gave it
        if (entry == null) {
            mode = found.path().equals("/") ? 0755 : mode;
        } else {
            uid = entry.uid();
            gid = entry.gid();
            mode = entry.mode() & 07777;
            if (!ids.maps(uid) || !ids.maps(gid)) {
                mode &= ~06000;  // as nobody's: reported by account()
            }
        }
        long hostUid = ids.hostUid(ids.maps(uid) ? uid : IdMapping.NOBODY);
        long hostGid = ids.hostGid(ids.maps(gid) ? gid : IdMapping.NOBODY);
        long newUid = found.uid() != hostUid ? hostUid : -1;
        long newGid = found.gid() != hostGid ? hostGid : -1;
        // A change of owner clears setuid and setgid, which are set again after it; a symlink has no mode of its own.
        boolean chown = newUid >= 0 || newGid >= 0;
        int newMode = found.type() == S_IFLNK || (found.mode() == mode && !(chown && (mode & 06000) != 0)) ? -1 : mode;
        return chown || newMode >= 0 ? new Change(found.path(), newUid, newGid, newMode) : null;
    }

    /**
     * Lists every entry of the trees' read-only overlay ({@link #CHECKED_VIEW}, which no container writes) on a thread
     * of its own, while the run goes on, and compares it with the image: see {@link #awaitCheck}.
     */
    private void startCheck(Map<String, FileEntry> expected, IdMapping ids) {
        checkStarted = true;
        Thread checker = new Thread(() -> {
            String problem;
            try {
                problem = mismatch(list(checkedView, false), expected, ids, true);
                damaged = problem != null;
            } catch (IOException | RuntimeException e) {
                problem = "the rootfs could not be checked against the image: " + e.getMessage();
            }
            try {
                unmountChecked();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot unmount " + checkedView + ": " + e.getMessage());
            }
            check.complete(problem);
        }, "rootfs-check");
        checker.setDaemon(true);
        checker.start();
    }

    /**
     * Why this rootfs does not add up to the image (null if it does), once the check beside the run has ended. With
     * owners changed by the walk the check was made before the container was created, so this is null at once.
     *
     * @throws IOException when the check has not ended within {@code timeout}
     */
    String awaitCheck(Duration timeout) throws IOException {
        try {
            return check.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("the check of " + rootfs + " against the image did not end within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IOException("the check of " + rootfs + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the check of " + rootfs, e);
        }
    }

    private synchronized void unmountChecked() throws IOException {
        if (checkedMounted) {
            unmount(checkedView);
            checkedMounted = false;
        }
    }

    /** Owner (-1: as it is) and mode (-1: as it is) to set on one path of the rootfs. */
    private record Change(String path, long uid, long gid, int mode) {
    }

    private void apply(List<Change> changes) throws IOException {
        if (changes.size() < CHANGES_IN_PARALLEL) {
            for (Change c : changes) {
                apply(c);
            }
            return;
        }
        ForkJoinPool changers = new ForkJoinPool(CHANGERS);
        try {
            changers.submit(() -> changes.parallelStream().forEach(c -> {
                try {
                    apply(c);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            })).get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("changing owners through the overlay failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while changing owners through the overlay", e);
        } finally {
            changers.shutdown();
        }
    }

    private void apply(Change c) throws IOException {
        Path p = c.path().equals("/") ? rootfs : rootfs.resolve(c.path().substring(1));
        // lchown through the overlay: a metadata copy-up; the owner first, since it clears setuid and setgid.
        if (c.uid() >= 0) {
            Files.setAttribute(p, "unix:uid", (int) c.uid(), NOFOLLOW);
        }
        if (c.gid() >= 0) {
            Files.setAttribute(p, "unix:gid", (int) c.gid(), NOFOLLOW);
        }
        if (c.mode() >= 0) {
            Files.setAttribute(p, "unix:mode", c.mode(), NOFOLLOW);
        }
    }

    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;
    private static final int S_IFREG = 0100000;

    /** One entry as listed: its image path, type ({@code S_IF*} bits, 0 for others), host owner and mode bits. */
    record Found(String path, int type, long uid, long gid, int mode) {
    }

    /**
     * Every entry under {@code root}, the root included, never through a symlink, listed by {@code find} (findutils
     * is essential in Debian): one pass at C speed, where a walk from Java pays for an attribute map per entry.
     * Each record is type, owner, group, mode in octal and path, ended by a NUL (the one byte no name holds).
     */
    static List<Found> list(Path root, boolean directoriesOnly) throws IOException {
        List<String> command = new ArrayList<>(List.of("find", root.toString()));
        if (directoriesOnly) {
            command.addAll(List.of("-type", "d"));  // only directories are stat'ed: others are known from readdir
        }
        command.addAll(List.of("-printf", "%y %U %G %m %P\\0"));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.PIPE).start();
        byte[] out;
        String errors;
        try {
            p.getOutputStream().close();
            java.util.concurrent.CompletableFuture<byte[]> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.getErrorStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("find " + root + " did not end in 60 s");
            }
            errors = new String(err.join(), StandardCharsets.UTF_8).strip();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted listing " + root, e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("find " + root + " failed (exit " + p.exitValue() + "): " + errors);
        }
        // Names as the JVM decodes file names, so that they compare with the paths the trees were written under.
        Charset names = Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        List<Found> found = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < out.length; i++) {
            if (out[i] != 0) {
                continue;
            }
            int[] spaces = new int[4];
            int n = 0;
            for (int j = start; j < i && n < 4; j++) {
                if (out[j] == ' ') {
                    spaces[n++] = j;
                }
            }
            if (n < 4) {
                throw new IOException("find printed a record it was not asked for: " + new String(out, start, i - start, names));
            }
            String relative = new String(out, spaces[3] + 1, i - spaces[3] - 1, names);
            int type = switch (out[start]) {
                case 'd' -> S_IFDIR;
                case 'l' -> S_IFLNK;
                case 'f' -> S_IFREG;
                default -> 0;
            };
            found.add(new Found(relative.isEmpty() ? "/" : "/" + relative, type, number(out, spaces[0] + 1, spaces[1], 10),
                    number(out, spaces[1] + 1, spaces[2], 10), (int) number(out, spaces[2] + 1, spaces[3], 8)));
            start = i + 1;
        }
        return found;
    }

    private static long number(byte[] bytes, int from, int to, int radix) {
        return Long.parseLong(new String(bytes, from, to - from, StandardCharsets.US_ASCII), radix);
    }

    long directories() {
        return counts.get(0);
    }

    long files() {
        return counts.get(1);
    }

    long symlinks() {
        return counts.get(2);
    }

    long hardLinks() {
        return counts.get(3);
    }

    /**
     * Unmounts the overlay and then its writable layer (lazily if something still holds them) and lets the trees go;
     * the bundle's empty mount points stay.
     */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        if (owners == Owners.MAPPED_BY_MOUNT) {
            if (!checkStarted) {
                check.complete("not checked: the rootfs was taken down before its check began");
            }
            try {
                awaitCheck(Duration.ofSeconds(90));  // its listing ends within 60 s; it unmounts its view itself
            } catch (IOException e) {
                // unmounted below all the same
            }
            try {
                unmountChecked();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (mounted && tmpfsMounted) {
            try {
                // The overlay first (its upper directory is on the tmpfs); if either is busy, each is detached on its
                // own below.
                unmountNow(rootfs);
                mounted = false;
                unmountNow(writable);
                tmpfsMounted = false;
            } catch (IOException busy) {
                mounted = isMountPoint(rootfs);
                tmpfsMounted = isMountPoint(writable);
            }
        }
        if (mounted) {
            try {
                unmount(rootfs);
                mounted = false;
            } catch (IOException e) {
                failure = e;
            }
        }
        if (!mounted) {
            if (damaged) {
                trees.closeAndDiscard();
            } else {
                trees.close();
            }
        }
        if (tmpfsMounted) {
            try {
                unmount(writable);  // after the overlay: a lazy detach would keep it alive until the overlay went anyway
                tmpfsMounted = false;
            } catch (IOException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Whether {@code dir} is a mount point: its device differs from its parent's. */
    private static boolean isMountPoint(Path dir) {
        try {
            Object here = Files.getAttribute(dir, "unix:dev", NOFOLLOW);
            Object parent = Files.getAttribute(dir.getParent(), "unix:dev", NOFOLLOW);
            return !here.equals(parent);
        } catch (IOException | RuntimeException e) {
            return true;  // not known: try to unmount it, which fails harmlessly if it is not one
        }
    }

    static void unmount(Path target) throws IOException {
        try {
            unmountNow(target);
        } catch (IOException busy) {
            if (MountCalls.loaded()) {
                MountCalls.detach(target);  // detached now, gone when unused
            } else {
                LayerTreeStore.run(List.of("umount", "-l", target.toString()), null);
            }
        }
    }

    /** Unmounts by a call where JNA loads, else with umount(8); fails while the mount is busy. */
    private static void unmountNow(Path target) throws IOException {
        if (MountCalls.loaded()) {
            MountCalls.unmount(target);
        } else {
            LayerTreeStore.run(List.of("umount", target.toString()), null);
        }
    }

    /**
     * Whether this host can give containers an overlay of trees: mounts an overlay of one file and a hard link to it
     * with {@code metacopy=on,index=on} in {@code dir} and changes both names' owner through it, which must copy up
     * metadata only (the upper file then carries {@code trusted.overlay.metacopy}) and keep the two names one file.
     *
     * @return null if it can, else why not
     */
    static String probe(Path dir) {
        return probe(dir, "an overlay mount with metacopy=on failed: ", (probe, attached) -> {
            Path lower = Files.createDirectory(probe.resolve("lower"));
            Files.write(lower.resolve("file"), new byte[4096]);
            Files.createLink(lower.resolve("link"), lower.resolve("file"));
            return lower.toString();
        }, (merged, upper) -> {
            Files.setAttribute(merged.resolve("file"), "unix:uid", 4242, NOFOLLOW);
            Files.setAttribute(merged.resolve("link"), "unix:uid", 4242, NOFOLLOW);
            try {
                LayerTreeStore.run(List.of("getfattr", "-n", "trusted.overlay.metacopy", upper.resolve("file").toString()), null);
            } catch (IOException e) {
                return "overlayfs copied a file's data up to change its owner (no metacopy): " + e.getMessage();
            }
            if (!Files.isSameFile(merged.resolve("file"), merged.resolve("link"))) {
                // The kernel turns index=on off where a layer's file system has no file handles: hard links would split.
                return "overlayfs split a hard link into two files when changing their owners (no index=on)";
            }
            return null;
        });
    }

    /**
     * Whether this host can show layer trees id-mapped under an overlay: mounts a one-file tree id-mapped to
     * {@code ids} under an overlay in {@code dir} and reads the file's owner through it, which must be the mapped root.
     *
     * @return null if it can, else why not
     */
    static String probeIdMapped(Path dir, IdMapping ids) {
        return probe(dir, "an id-mapped tree under an overlay failed: ", (probe, attached) -> {
            Path tree = Files.createDirectory(probe.resolve("tree"));
            Files.write(tree.resolve("file"), new byte[1]);
            Path view = Files.createDirectory(probe.resolve("view"));
            IdMappedTrees.attach(tree, view, ids);
            attached.add(view);
            return view.toString();
        }, (merged, upper) -> {
            int owner = (Integer) Files.getAttribute(merged.resolve("file"), "unix:uid", NOFOLLOW);
            return owner == ids.hostUid(0) ? null
                    : "an id-mapped tree under an overlay showed root's file as uid " + owner + ", not " + ids.hostUid(0);
        });
    }

    /** Makes a probe's lower directory (attaching mounts it lists in {@code attached}); returns the lowerdir option. */
    private interface ProbeLower {
        String make(Path probe, List<Path> attached) throws IOException;
    }

    /** What a probe finds on its mounted overlay: null if the host can, else why not. */
    private interface ProbeCheck {
        String check(Path merged, Path upper) throws IOException;
    }

    /**
     * Mounts an overlay of {@code lower} in a new directory of {@code dir} (upper directory on a tmpfs, as a run's),
     * asks {@code check}, and takes everything down again.
     */
    private static String probe(Path dir, String failed, ProbeLower lower, ProbeCheck check) {
        Path probe = dir.resolve("tmp-probe-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Path merged = probe.resolve("merged");
        List<Path> attached = new ArrayList<>();
        boolean mounted = false;
        boolean tmpfs = false;
        try {
            Files.createDirectories(probe.resolve(WRITABLE_LAYER));
            Files.createDirectories(merged);
            String lowerdir = lower.make(probe, attached);
            mount("tmpfs", probe.resolve(WRITABLE_LAYER), "mode=0700,size=1m");
            tmpfs = true;
            Path upper = Files.createDirectory(probe.resolve(WRITABLE_LAYER).resolve("upper"));
            Path work = Files.createDirectory(probe.resolve(WRITABLE_LAYER).resolve("work"));
            mountOverlay(lowerdir, upper, work, merged);
            mounted = true;
            detachAll(attached);  // as a run does: the overlay works on without them
            attached.clear();
            return check.check(merged, upper);
        } catch (IOException | RuntimeException | LinkageError e) {
            return failed + (e.getMessage() == null ? e.toString() : e.getMessage());
        } finally {
            try {
                if (mounted) {
                    unmount(merged);
                }
                detachAll(attached);
                if (tmpfs) {
                    unmount(probe.resolve(WRITABLE_LAYER));
                }
                WorkDirectories.removeTreeQuietly(probe);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot unmount the overlay probe in " + probe + ": " + e.getMessage());
            }
        }
    }

    Duration treesTook() {
        return trees.took();
    }

    int treesUnpacked() {
        return trees.unpacked();
    }

    int layers() {
        return trees.bottomFirst().size();
    }
}
