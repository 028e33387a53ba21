package dev.distill.engine.runtime;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.io.WorkDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A container's rootfs as an overlay mount of shared layer trees ({@link LayerTreeStore}): the trees are the
 * read-only lower directories, top layer first, and the upper and work directories are on a tmpfs of the run's own in
 * its bundle, so whatever the container writes lands in its own upper directory. With {@code metacopy=on} changing an owner through the mount
 * copies up the file's metadata only, never its data: one walk gives every entry the owner the image says, as the
 * run's user namespace maps it, and the mode the image says (a change of owner clears setuid and setgid), and then
 * file capabilities and ACLs are set again as {@link RootfsUnpacker} sets them.
 *
 * <p>The walk also checks the stacked trees against the image's merged view: a path the image does not have, or an
 * image path the mount lacks, is an error, and the caller unpacks in full instead.
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

    private final Path rootfs;
    private final Path writable;
    private final LayerTreeStore.Trees trees;
    private boolean tmpfsMounted;
    private boolean mounted;

    private OverlayRootfs(Path rootfs, Path writable, LayerTreeStore.Trees trees) {
        this.rootfs = rootfs;
        this.writable = writable;
        this.trees = trees;
    }

    /**
     * Mounts the trees at {@code bundle/rootfs} (upper and work directories beside it) and gives every entry the
     * image's owner under {@code ids} and the image's mode. On failure nothing stays mounted and the trees are let go.
     *
     * @throws IOException when the mount fails or the trees do not add up to the image
     */
    static OverlayRootfs mount(Path bundle, LayerTreeStore.Trees trees, ImageFileSystem image, IdMapping ids,
            List<UnpackReport.Skipped> skipped) throws IOException {
        OverlayRootfs overlay = new OverlayRootfs(bundle.resolve("rootfs"), bundle.resolve(WRITABLE_LAYER), trees);
        try {
            overlay.mountTrees();
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

    private void mountTrees() throws IOException {
        Files.createDirectory(rootfs);
        Files.createDirectory(writable);
        LayerTreeStore.run(List.of("mount", "-t", "tmpfs", "-o", "mode=0700,size=" + WRITABLE_LAYER_SIZE, "tmpfs", writable.toString()), null);
        tmpfsMounted = true;
        Path upper = Files.createDirectory(writable.resolve("upper"));
        Path work = Files.createDirectory(writable.resolve("work"));
        List<Path> lower = new ArrayList<>(trees.bottomFirst());
        java.util.Collections.reverse(lower);  // overlayfs lists the top layer first
        StringBuilder lowerdir = new StringBuilder();
        for (Path p : lower) {
            lowerdir.append(lowerdir.length() == 0 ? "" : ":").append(p);
        }
        mountOverlay(lowerdir.toString(), upper, work, rootfs);
        mounted = true;
    }

    private static void mountOverlay(String lowerdir, Path upper, Path work, Path target) throws IOException {
        // metacopy: an owner change copies metadata only; redirect_dir: renaming a lower directory needs no copy of it;
        // index: the names of one lower inode (a layer's hard links) are copied up to one upper inode, so the owner walk,
        // which copies every name up, keeps them one file (without it each name became a file of its own: nlink 1).
        LayerTreeStore.run(List.of("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lowerdir + ",upperdir=" + upper
                + ",workdir=" + work + ",metacopy=on,redirect_dir=on,index=on", target.toString()), null);
    }

    /** Statistics for the unpack report: directories, files, symlinks, hard links. */
    private final AtomicLongArray counts = new AtomicLongArray(4);

    /**
     * Threads of one owner walk. Each entry's calls (lchown, chmod) wait on overlayfs's metadata copy-up as much as they
     * use a core, and the walk of a Debian image (thousands of entries) is on the way of every container's start.
     */
    static final int WALKERS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));

    private void own(ImageFileSystem image, IdMapping ids, List<UnpackReport.Skipped> skipped) throws IOException {
        Map<String, FileEntry> expected = new ConcurrentHashMap<>();
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
        List<String> strays = Collections.synchronizedList(new ArrayList<>());
        List<UnpackReport.Skipped> outside = Collections.synchronizedList(new ArrayList<>());
        Placer placer = new Placer(expected, strays, outside, ids);
        placer.place(rootfs, mode(rootfs));
        // The directories' entries are placed by several threads (a directory's subdirectories go to the others): the
        // same calls on the same entries as one walk makes, in another order, none of which depends on another's.
        ForkJoinPool walkers = new ForkJoinPool(WALKERS);
        try {
            walkers.invoke(new Walk(rootfs, placer));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            walkers.shutdown();
        }
        outside.sort(Comparator.comparing(UnpackReport.Skipped::path));  // as the walk found them: in no set order
        skipped.addAll(outside);
        if (!strays.isEmpty() || !expected.isEmpty()) {
            // The first path of each in name order: the threads found them in no set order, and a report must not vary.
            throw new IOException("the layer trees do not add up to the image: " + strays.size() + " paths the image does not have"
                    + (strays.isEmpty() ? "" : " (e.g. " + Collections.min(strays) + ")") + ", " + expected.size()
                    + " image paths missing" + (expected.isEmpty() ? "" : " (e.g. " + Collections.min(expected.keySet()) + ")"));
        }
        // A change of owner removed file capabilities, and ACLs name the image's ids: both are set again, mapped.
        skipped.addAll(RootfsUnpacker.applyXattrs(rootfs, ids, withXattrs));
    }

    /** Gives one entry the image's owner and mode (or the container root's, for a directory the image implies). */
    private final class Placer {

        private final Map<String, FileEntry> expected;
        private final List<String> strays;
        private final List<UnpackReport.Skipped> skipped;
        private final IdMapping ids;

        Placer(Map<String, FileEntry> expected, List<String> strays, List<UnpackReport.Skipped> skipped, IdMapping ids) {
            this.expected = expected;
            this.strays = strays;
            this.skipped = skipped;
            this.ids = ids;
        }

        /** @param found the entry's mode and type as the walk found it ({@code st_mode}) */
        void place(Path p, int found) throws IOException {
            String path = p.equals(rootfs) ? "/" : "/" + rootfs.relativize(p);
            FileEntry entry = expected.remove(path);
            boolean directory = (found & S_IFMT) == S_IFDIR;
            boolean symlink = (found & S_IFMT) == S_IFLNK;
            if (entry == null) {
                if (!path.equals("/") && !directory) {
                    strays.add(path);
                    return;
                }
                // The root, or a directory the layers imply without listing: the container root's, as unpacked.
                setOwner(p, 0, 0, ids);
                if (path.equals("/")) {
                    Files.setAttribute(p, "unix:mode", 0755, NOFOLLOW);
                }
                return;
            }
            int mode = entry.mode() & 07777;
            if (!ids.maps(entry.uid()) || !ids.maps(entry.gid())) {
                mode &= ~06000;
                skipped.add(new UnpackReport.Skipped(path, "owner " + entry.uid() + ":" + entry.gid()
                        + " is outside the container's ids 0-" + (ids.size() - 1) + "; unpacked as nobody ("
                        + IdMapping.NOBODY + "), without setuid and setgid"));
            }
            setOwner(p, entry.uid(), entry.gid(), ids);
            // The tree holds the layer's mode already; a change of owner clears setuid and setgid, which are set again
            // after it. A mode that is right and has neither needs no call (most entries).
            if (!symlink && ((mode & 06000) != 0 || (found & 07777) != mode)) {
                Files.setAttribute(p, "unix:mode", mode, NOFOLLOW);
            }
            counts.incrementAndGet(directory ? 0 : symlink ? 2 : entry.type() == FileType.HARDLINK ? 3 : 1);
        }
    }

    /** Places a directory's entries, and walks its subdirectories beside each other; links are not followed. */
    private static final class Walk extends RecursiveAction {

        private final Path dir;
        private final Placer placer;

        Walk(Path dir, Placer placer) {
            this.dir = dir;
            this.placer = placer;
        }

        @Override
        protected void compute() {
            List<Walk> below = new ArrayList<>();
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    int found = mode(p);
                    placer.place(p, found);
                    if ((found & S_IFMT) == S_IFDIR) {
                        below.add(new Walk(p, placer));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            invokeAll(below);
        }
    }

    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFLNK = 0120000;

    /** An entry's {@code st_mode} (type and permission bits) from one lstat; links are not followed. */
    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", NOFOLLOW);
    }

    private static void setOwner(Path p, int uid, int gid, IdMapping ids) throws IOException {
        int u = ids.maps(uid) ? uid : IdMapping.NOBODY;
        int g = ids.maps(gid) ? gid : IdMapping.NOBODY;
        Files.setAttribute(p, "unix:uid", (int) ids.hostUid(u), NOFOLLOW);  // lchown, through the overlay: metadata copy-up
        Files.setAttribute(p, "unix:gid", (int) ids.hostGid(g), NOFOLLOW);
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
        if (mounted && tmpfsMounted) {
            try {
                // Both in one umount, the overlay first (its upper directory is on the tmpfs); if either is busy,
                // each is detached on its own below.
                LayerTreeStore.run(List.of("umount", rootfs.toString(), writable.toString()), null);
                mounted = false;
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
            trees.close();
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
            LayerTreeStore.run(List.of("umount", target.toString()), null);
        } catch (IOException busy) {
            LayerTreeStore.run(List.of("umount", "-l", target.toString()), null);  // detached now, gone when unused
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
        Path probe = dir.resolve("tmp-probe-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()));
        Path merged = probe.resolve("merged");
        boolean mounted = false;
        boolean tmpfs = false;
        try {
            for (String d : new String[] {"lower", WRITABLE_LAYER, "merged"}) {
                Files.createDirectories(probe.resolve(d));
            }
            Files.write(probe.resolve("lower/file"), new byte[4096]);
            Files.createLink(probe.resolve("lower/link"), probe.resolve("lower/file"));
            LayerTreeStore.run(List.of("mount", "-t", "tmpfs", "-o", "mode=0700,size=1m", "tmpfs", probe.resolve(WRITABLE_LAYER).toString()), null);
            tmpfs = true;
            Path upper = Files.createDirectory(probe.resolve(WRITABLE_LAYER).resolve("upper"));
            Path work = Files.createDirectory(probe.resolve(WRITABLE_LAYER).resolve("work"));
            mountOverlay(probe.resolve("lower").toString(), upper, work, merged);
            mounted = true;
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
        } catch (IOException | RuntimeException e) {
            return "an overlay mount with metacopy=on failed: " + e.getMessage();
        } finally {
            try {
                if (mounted) {
                    unmount(merged);
                }
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
