package dev.distill.engine.runtime;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.io.WorkDirectories;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.Whiteout;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Image layers unpacked once each, by layer digest, as the read-only lower directories of containers' overlay
 * rootfs ({@link OverlayRootfs}). A tree holds one layer's own files with the image's own owners (ids 0-65535, the
 * ids every container's user namespace has; a run maps them by changing owners through its overlay, which copies
 * metadata only) and the layer's deletions as overlayfs spells them: a whiteout is a character device 0/0, an
 * opaque directory carries {@code trusted.overlay.opaque=y}.
 *
 * <p>Several processes may share the directory. A tree is written into a temporary directory and renamed into
 * place, under an exclusive lock on its lock file, so a tree is complete or absent and one instance unpacks a layer
 * while the others wait for it. A tree in use is held with a shared lock (and counted within this JVM, whose POSIX
 * locks on one file cannot overlap); eviction takes the exclusive lock without waiting, so a tree in use is never
 * evicted. When the trees take more than the size setting, the least recently used ones go. The directory survives
 * restarts; temporaries of a crashed instance are removed when a store opens it.
 */
public final class LayerTreeStore {

    /** A file in the store's directory: the work-root sweep leaves the directory alone. */
    public static final String MARKER = ".distill-layer-trees";

    /** The ids trees are written with: the image's own, as far as every container's user namespace has them. */
    static final IdMapping TREE_IDS = new IdMapping(0, 0, HostIdPool.RANGE_SIZE);

    private static final System.Logger LOG = System.getLogger(LayerTreeStore.class.getName());
    private static final String TREE = "tree";
    private static final String SIZE = "bytes";
    private static final String LOCKS = "locks";
    private static final String TEMPORARY = "tmp-";
    /** A temporary without a holder's lock file (a crash between unlocking and renaming) is stale after this. */
    private static final Duration STALE = Duration.ofMinutes(10);
    /** Directories cost a block each besides their files' bytes. */
    private static final long DIRECTORY_BYTES = 4096;
    /** How often a tree is unpacked again when other instances evict it before it can be held. */
    private static final int ATTEMPTS = 3;

    // Trees this JVM holds, by lock file: POSIX locks belong to the process, and closing any channel on a file drops
    // them all, so one channel per file is held, counted by the runs using it.
    private static final Map<Path, Held> HELD = new HashMap<>();
    // Acquiring and evicting one tree are serialised within the JVM; between processes its lock does that.
    private static final Map<Path, Object> MUTEXES = new ConcurrentHashMap<>();

    private final Path directory;
    private final long maxBytes;
    private volatile String overlayProblem;
    private volatile boolean probed;
    private volatile String idMapProblem;
    private volatile boolean idMapProbed;

    private static final class Held {
        final FileChannel channel;
        final FileLock lock;
        int users;

        Held(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }
    }

    private LayerTreeStore(Path directory, long maxBytes) {
        this.directory = directory;
        this.maxBytes = maxBytes;
    }

    /**
     * Opens (creating) the store in {@code directory} and removes temporaries that crashed instances left.
     *
     * @param maxBytes how many bytes of trees to keep: above it, trees not in use are evicted, least recently used first
     * @throws IllegalArgumentException when the size is not positive or the path cannot be named in an overlay mount
     */
    public static LayerTreeStore open(Path directory, long maxBytes) throws IOException {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("a layer tree store needs a positive size, got " + maxBytes);
        }
        Path dir = directory.toAbsolutePath().normalize();
        if (!dir.toString().matches("[A-Za-z0-9/._+@=-]+")) {
            // Overlay mount options separate lower directories with ':' and options with ','.
            throw new IllegalArgumentException("a layer tree store's path may hold letters, digits and /._+@=- only, got " + dir);
        }
        Files.createDirectories(dir.resolve(LOCKS));
        Files.setAttribute(dir, "unix:mode", 0700);  // overlayfs reads lower trees with the mounter's (root's) rights
        if (!Files.exists(dir.resolve(MARKER))) {
            Files.writeString(dir.resolve(MARKER), "unpacked image layers, shared read-only by containers' overlay rootfs\n");
        }
        LayerTreeStore store = new LayerTreeStore(dir, maxBytes);
        store.removeStaleTemporaries();
        return store;
    }

    public Path directory() {
        return directory;
    }

    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Why containers cannot get an overlay of trees on this host (null if they can), found out once by mounting a
     * small overlay with {@code metacopy=on} and changing a lower file's owner through it: that must copy up
     * metadata only.
     */
    public String overlayProblem() {
        if (!probed) {
            synchronized (this) {
                if (!probed) {
                    overlayProblem = OverlayRootfs.probe(directory);
                    probed = true;
                    if (overlayProblem != null) {
                        LOG.log(System.Logger.Level.WARNING, "containers' rootfs are unpacked in full for every run: " + overlayProblem);
                    }
                }
            }
        }
        return overlayProblem;
    }

    /**
     * How a container whose user namespace maps {@code ids} gets the image's owners on an overlay of these trees:
     * id-mapped trees where this host can mount them (found out once, with the first such {@code ids}), else by
     * changing every owner through the overlay. Without a user namespace the trees' owners are the container's already.
     */
    OverlayRootfs.Owners owners(IdMapping ids) {
        if (ids.isIdentity()) {
            return OverlayRootfs.Owners.CHANGED_BY_WALK;  // the walk finds every owner right and changes none
        }
        if (!idMapProbed) {
            synchronized (this) {
                if (!idMapProbed) {
                    idMapProblem = OverlayRootfs.probeIdMapped(directory, ids);
                    idMapProbed = true;
                    if (idMapProblem != null) {
                        LOG.log(System.Logger.Level.WARNING, "every run changes its rootfs's owners entry by entry: " + idMapProblem);
                    }
                }
            }
        }
        return idMapProblem == null ? OverlayRootfs.Owners.MAPPED_BY_MOUNT : OverlayRootfs.Owners.CHANGED_BY_WALK;
    }

    /** Why trees cannot be shown id-mapped on this host (null if they can, or if not probed yet). */
    public String idMapProblem() {
        return idMapProblem;
    }

    /**
     * The trees of {@code image}'s layers, unpacking those not in the store yet, held until the result is closed.
     *
     * @throws IOException when a layer cannot be read or unpacked on its own (a hard link to a lower layer's file)
     */
    public Trees acquire(LayeredFileSystem image) throws IOException {
        long started = System.nanoTime();
        List<Path> held = new ArrayList<>();
        List<Path> trees = new ArrayList<>();
        int unpacked = 0;
        try {
            for (Descriptor layer : image.layers()) {
                Path entry = directory.resolve(key(layer.digest()));
                boolean fresh = hold(entry, () -> LayeredFileSystem.build(List.of(layer), image.blobSource(), image.limits()));
                held.add(lockFile(entry));
                trees.add(entry.resolve(TREE));
                unpacked += fresh ? 1 : 0;
            }
        } catch (IOException | RuntimeException e) {
            held.forEach(LayerTreeStore::release);
            throw e;
        }
        if (unpacked > 0) {
            evict();
        }
        return new Trees(this, trees, held, unpacked, Duration.ofNanos(System.nanoTime() - started));
    }

    /** A layer's view on its own, built only when its tree must be written. */
    interface LayerView {
        LayeredFileSystem build() throws IOException;
    }

    /** @return whether the tree was unpacked now */
    boolean hold(Path entry, LayerView layer) throws IOException {
        Path lockFile = lockFile(entry);
        Path tree = entry.resolve(TREE);
        synchronized (MUTEXES.computeIfAbsent(lockFile, f -> new Object())) {
            synchronized (HELD) {
                Held h = HELD.get(lockFile);
                if (h != null) {
                    h.users++;
                    touch(entry);
                    return false;
                }
            }
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            boolean unpacked = false;
            try {
                for (int attempt = 0; ; attempt++) {
                    if (Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
                        FileLock shared = channel.lock(0, Long.MAX_VALUE, true);
                        if (Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
                            synchronized (HELD) {
                                Held h = new Held(channel, shared);
                                h.users = 1;
                                HELD.put(lockFile, h);
                            }
                            touch(entry);
                            return unpacked;
                        }
                        shared.release();  // evicted between the look and the lock
                    }
                    if (attempt == ATTEMPTS) {
                        throw new IOException("layer tree " + entry.getFileName() + " was evicted " + ATTEMPTS + " times before it "
                                + "could be used: the store's size limit (" + maxBytes + " bytes) is too small for the images run at once");
                    }
                    FileLock exclusive = channel.lock();  // waits while another instance unpacks this layer
                    try {
                        if (!Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
                            publish(entry, layer.build());
                            unpacked = true;
                        }
                    } finally {
                        exclusive.release();
                    }
                }
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    private void publish(Path entry, LayeredFileSystem layer) throws IOException {
        Path temporary = Files.createDirectory(directory.resolve(TEMPORARY + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong())));
        OwnedDirectory owner = OwnedDirectory.claim(temporary, "unpacking layer tree " + entry.getFileName());
        try {
            UnpackReport report = RootfsUnpacker.unpack(layer, temporary.resolve(TREE), TREE_IDS);
            convertWhiteouts(temporary.resolve(TREE), layer.whiteouts());
            long bytes = report.bytes() + DIRECTORY_BYTES * (report.directories() + 1);
            Files.writeString(temporary.resolve(SIZE), Long.toString(bytes), StandardCharsets.US_ASCII);
            owner.close();
            Files.delete(temporary.resolve(OwnedDirectory.LOCK_FILE));
            // Atomic: other instances see the whole tree or none (the exclusive lock keeps them from writing it too).
            Files.move(temporary, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            owner.close();
            WorkDirectories.removeTreeQuietly(temporary);
            throw e;
        }
    }

    /**
     * Turns a layer's deletions into overlayfs's: a whiteout (character device 0/0, all hard links of one made here
     * by {@code mknod}, since Java cannot make devices) for each deleted path the layer does not write itself, and
     * {@code trusted.overlay.opaque=y} (by {@code setfattr}) on each opaque directory. A deleted path the layer
     * makes a directory again must hide the lower one's children: it becomes opaque too.
     */
    static void convertWhiteouts(Path tree, List<Whiteout> whiteouts) throws IOException {
        List<Path> opaque = new ArrayList<>();
        List<Path> deleted = new ArrayList<>();
        for (Whiteout w : whiteouts) {
            Path target = inside(tree, w.path());
            if (w.opaque() || Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw new IOException("opaque directory " + w.path() + " is not a directory of the layer's tree");
                }
                opaque.add(target);
            } else if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                deleted.add(target);
            }
        }
        if (!deleted.isEmpty()) {
            Path template = tree.resolveSibling("whiteout");
            run(List.of("mknod", "-m", "000", template.toString(), "c", "0", "0"));
            try {
                for (Path p : deleted) {
                    Files.createLink(p, template);
                }
            } finally {
                Files.deleteIfExists(template);
            }
        }
        if (!opaque.isEmpty()) {
            StringBuilder dump = new StringBuilder();
            for (Path dir : opaque) {
                String relative = dir.equals(tree) ? "." : tree.relativize(dir).toString();
                dump.append("# file: ").append(RootfsUnpacker.escapeForDump(relative)).append('\n')
                        .append("trusted.overlay.opaque=0x79\n\n");
            }
            Path file = tree.resolveSibling("opaque.dump");
            Files.writeString(file, dump, StandardCharsets.UTF_8);
            try {
                run(List.of("setfattr", "-h", "--restore=" + file), tree);
            } finally {
                Files.delete(file);
            }
        }
    }

    /** The host path of an image path in a tree whose every parent is a real directory (never through a link). */
    private static Path inside(Path tree, String imagePath) throws IOException {
        Path target = tree.resolve(imagePath.substring(1)).normalize();
        if (!target.startsWith(tree)) {
            throw new IOException("whiteout " + imagePath + " leaves the layer's tree");
        }
        for (Path p = target.getParent(); p != null && p.startsWith(tree); p = p.getParent()) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException("whiteout " + imagePath + " lies under " + p + ", not a directory of the layer's tree");
            }
        }
        return target;
    }

    private static void run(List<String> command) throws IOException {
        run(command, null);
    }

    static String run(List<String> command, Path dir) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process p;
        try {
            p = builder.start();
        } catch (IOException e) {
            throw new IOException(command.get(0) + " cannot be run (" + e.getMessage() + ")", e);
        }
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not end in 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output.strip());
            }
            return output;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + command.get(0), e);
        }
    }

    /** Lets go of one use of a tree; the last use in this JVM unlocks it. */
    private static void release(Path lockFile) {
        synchronized (HELD) {
            Held h = HELD.get(lockFile);
            if (h == null || --h.users > 0) {
                return;
            }
            HELD.remove(lockFile);
            try {
                h.lock.release();
            } catch (IOException e) {
                // closing the channel below drops it all the same
            }
            try {
                h.channel.close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot close " + lockFile + ": " + e);
            }
        }
    }

    /** The trees' bytes as recorded when each was written (content bytes plus a block per directory). */
    public long usedBytes() throws IOException {
        long total = 0;
        for (Path entry : entries()) {
            total += size(entry);
        }
        return total;
    }

    /** The layer digests whose trees the store has, as directory names ({@code algorithm-hex}). */
    public List<String> layers() throws IOException {
        return entries().stream().map(p -> p.getFileName().toString()).sorted().toList();
    }

    /**
     * Evicts trees no process uses, least recently used first, until the store is within its size. A tree this or
     * another process holds is skipped (its lock cannot be taken exclusively).
     *
     * @return how many trees were evicted
     */
    public int evict() throws IOException {
        List<Path> entries = entries();
        Map<Path, Long> sizes = new HashMap<>();
        Map<Path, FileTime> used = new HashMap<>();
        long total = 0;
        for (Path entry : entries) {
            long size = size(entry);
            sizes.put(entry, size);
            total += size;
            try {
                used.put(entry, Files.getLastModifiedTime(entry, LinkOption.NOFOLLOW_LINKS));
            } catch (NoSuchFileException e) {
                used.put(entry, FileTime.fromMillis(0));
            }
        }
        if (total <= maxBytes) {
            return 0;
        }
        entries.sort(Comparator.comparing(used::get));
        int evicted = 0;
        for (Path entry : entries) {
            if (total <= maxBytes) {
                break;
            }
            if (tryEvict(entry)) {
                total -= sizes.get(entry);
                evicted++;
            }
        }
        return evicted;
    }

    private boolean tryEvict(Path entry) throws IOException {
        Path lockFile = lockFile(entry);
        Path doomed;
        synchronized (MUTEXES.computeIfAbsent(lockFile, f -> new Object())) {
            synchronized (HELD) {
                if (HELD.containsKey(lockFile)) {
                    return false;
                }
            }
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException e) {
                    return false;
                }
                if (lock == null) {
                    return false;  // in use by another process
                }
                if (!Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    return false;
                }
                doomed = directory.resolve(TEMPORARY + "evicted-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
                try {
                    Files.move(entry, doomed, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                    throw new IOException("cannot evict layer tree " + entry + ": " + e, e);
                }
            }
        }
        WorkDirectories.removeTree(doomed);
        return true;
    }

    private List<Path> entries() throws IOException {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
            for (Path p : children) {
                String name = p.getFileName().toString();
                if (!name.startsWith(TEMPORARY) && !name.equals(LOCKS) && Files.isDirectory(p.resolve(TREE), LinkOption.NOFOLLOW_LINKS)) {
                    entries.add(p);
                }
            }
        }
        return entries;
    }

    private static long size(Path entry) {
        try {
            return Long.parseLong(Files.readString(entry.resolve(SIZE), StandardCharsets.US_ASCII).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;  // being evicted, or written by hand: it is counted when it can be read
        }
    }

    private void removeStaleTemporaries() throws IOException {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory, TEMPORARY + "*")) {
            for (Path p : children) {
                if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.exists(p.resolve(OwnedDirectory.LOCK_FILE), LinkOption.NOFOLLOW_LINKS)) {
                    OwnedDirectory dead = OwnedDirectory.takeOver(p);
                    if (dead != null) {
                        try (dead) {
                            WorkDirectories.removeTree(p);
                        }
                    }
                } else if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(Instant.now().minus(STALE))) {
                    WorkDirectories.removeTree(p);
                }
            }
        }
    }

    private Path lockFile(Path entry) {
        return directory.resolve(LOCKS).resolve(entry.getFileName() + ".lock");
    }

    private static void touch(Path entry) throws IOException {
        Files.setLastModifiedTime(entry, FileTime.from(Instant.now()));
    }

    static String key(Digest digest) {
        return digest.algorithm() + "-" + digest.hex();
    }

    @Override
    public String toString() {
        return "layer tree store " + directory + " (" + maxBytes + " bytes)";
    }

    /** The trees of one image's layers, bottom first, held (never evicted) until closed. */
    public static final class Trees implements AutoCloseable {
        private final LayerTreeStore store;
        private final List<Path> bottomFirst;
        private final List<Path> lockFiles;
        private final int unpacked;
        private final Duration took;
        private boolean closed;

        Trees(LayerTreeStore store, List<Path> bottomFirst, List<Path> lockFiles, int unpacked, Duration took) {
            this.store = store;
            this.bottomFirst = List.copyOf(bottomFirst);
            this.lockFiles = List.copyOf(lockFiles);
            this.unpacked = unpacked;
            this.took = took;
        }

        /** The trees' directories, bottom layer first. */
        public List<Path> bottomFirst() {
            return bottomFirst;
        }

        /** How many of the trees were unpacked for this call (the others were in the store). */
        public int unpacked() {
            return unpacked;
        }

        public Duration took() {
            return took;
        }

        /**
         * Lets the trees go and removes those no run holds any more: trees found not to add up to their image (a damaged
         * store, or a bug) are unpacked again by the next run that needs them. Which tree is wrong is not known, so
         * all of the image's go.
         */
        public synchronized void closeAndDiscard() {
            if (closed) {
                return;
            }
            close();
            for (Path tree : bottomFirst) {
                try {
                    if (store.tryEvict(tree.getParent())) {
                        LOG.log(System.Logger.Level.WARNING, "removed layer tree " + tree.getParent().getFileName()
                                + ": its image's trees did not add up to the image");
                    }
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove layer tree " + tree.getParent() + ": " + e);
                }
            }
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            lockFiles.forEach(LayerTreeStore::release);
            try {
                store.evict();  // what was held over the size may go now
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot evict layer trees in " + store.directory + ": " + e);
            }
        }
    }
}
