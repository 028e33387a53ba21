package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The host ids that sandboxes' user namespaces map to, handed out {@value #RANGE_SIZE} at a time so that no two live
 * sandboxes on this host share an id: a container's root can then touch nothing of another sandbox, nor of the
 * host, even if it left its mount namespace.
 *
 * <p>A range is leased by holding a POSIX lock on its file in {@link #lockDirectory()} (shared by every process on
 * the host that uses the same pool), so leases exclude each other across verifier and builder instances; the kernel
 * drops the lock when its holder dies, however it dies. A range is also refused while any process on the host still
 * runs with one of its ids: the containers of a killed instance keep running until its sandboxes are swept (see
 * {@link Sandbox#sweep}), and a new lease must not share ids with them.
 *
 * <p>Ranges start at {@link #DEFAULT_FIRST_ID} unless the operator delegates others, as for any user-namespaced
 * runtime, in {@code /etc/subuid} and {@code /etc/subgid} for the user {@value #SUBORDINATE_USER} (see
 * {@link #fromSubordinateIds}). Ids stay below 2<sup>31</sup>, which some programs treat as signed.
 */
public final class HostIdPool {

    /** Ids per sandbox: a container's 0..65535, including root (0) and nobody (65534). */
    public static final int RANGE_SIZE = 65536;

    /**
     * 2<sup>30</sup>: far above the ids of accounts (below 60000) and of rootless runtimes' usual delegations
     * (from 100000), in the area systemd reserves for container ranges.
     */
    public static final long DEFAULT_FIRST_ID = 1L << 30;

    /** 256 ranges: as many sandboxes at once on one host. */
    public static final int DEFAULT_RANGES = 256;

    /** The user whose subordinate ids, when {@code /etc/subuid} and {@code /etc/subgid} list some, form the pool. */
    public static final String SUBORDINATE_USER = "distill";

    /** Where leases are held unless configured: a tmpfs, so stale files vanish at reboot with the containers. */
    public static final Path DEFAULT_LOCK_DIRECTORY = Path.of("/run/distill/id-ranges");

    private static final long SIGNED_LIMIT = 1L << 31;

    // Leases this JVM holds, by lock file: a second channel on a file would release the JVM's lock when closed.
    private static final Map<Path, Lease> HELD = new ConcurrentHashMap<>();

    private final long firstUid;
    private final long firstGid;
    private final int ranges;
    private final Path lockDirectory;

    /**
     * @param firstUid first host uid of the pool
     * @param firstGid first host gid of the pool
     * @param ranges how many ranges of {@value #RANGE_SIZE} ids follow each
     * @param lockDirectory where leases are held; every process that shares the pool must use the same one
     */
    public HostIdPool(long firstUid, long firstGid, int ranges, Path lockDirectory) {
        if (firstUid < 1 || firstGid < 1 || ranges < 1 || firstUid + (long) ranges * RANGE_SIZE > SIGNED_LIMIT
                || firstGid + (long) ranges * RANGE_SIZE > SIGNED_LIMIT) {
            throw new IllegalArgumentException("a host id pool needs ranges of " + RANGE_SIZE + " ids above 0 and below 2^31, got "
                    + ranges + " from uid " + firstUid + ", gid " + firstGid);
        }
        if (lockDirectory == null || !lockDirectory.isAbsolute()) {
            throw new IllegalArgumentException("the pool's lock directory must be an absolute path, got " + lockDirectory);
        }
        this.firstUid = firstUid;
        this.firstGid = firstGid;
        this.ranges = ranges;
        this.lockDirectory = lockDirectory.normalize();
    }

    /**
     * The pool this host delegates: the subordinate ids of {@value #SUBORDINATE_USER} when {@code /etc/subuid} and
     * {@code /etc/subgid} both list at least one range for it, otherwise {@value #DEFAULT_RANGES} ranges from
     * {@link #DEFAULT_FIRST_ID}; leases in {@link #DEFAULT_LOCK_DIRECTORY}.
     */
    public static HostIdPool defaults() {
        return defaults(DEFAULT_LOCK_DIRECTORY);
    }

    /** Like {@link #defaults()}, its leases held in {@code lockDirectory}. */
    public static HostIdPool defaults(Path lockDirectory) {
        return fromSubordinateIds(Path.of("/etc/subuid"), Path.of("/etc/subgid"), SUBORDINATE_USER, lockDirectory)
                .orElseGet(() -> new HostIdPool(DEFAULT_FIRST_ID, DEFAULT_FIRST_ID, DEFAULT_RANGES, lockDirectory));
    }

    /**
     * The first {@code user:start:count} line of each file for {@code user}, if both have one of at least
     * {@value #RANGE_SIZE} ids (whole ranges only).
     */
    public static Optional<HostIdPool> fromSubordinateIds(Path subuid, Path subgid, String user, Path lockDirectory) {
        Optional<long[]> uids = subordinate(subuid, user);
        Optional<long[]> gids = subordinate(subgid, user);
        if (uids.isEmpty() || gids.isEmpty()) {
            return Optional.empty();
        }
        long count = Math.min(uids.get()[1], gids.get()[1]);
        return Optional.of(new HostIdPool(uids.get()[0], gids.get()[0], (int) Math.min(Integer.MAX_VALUE, count / RANGE_SIZE),
                lockDirectory));
    }

    private static Optional<long[]> subordinate(Path file, String user) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String line : lines) {
            String[] f = line.strip().split(":");
            if (f.length == 3 && f[0].equals(user) && f[1].matches("\\d{1,10}") && f[2].matches("\\d{1,10}")
                    && Long.parseLong(f[2]) >= RANGE_SIZE) {
                return Optional.of(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return Optional.empty();
    }

    public long firstUid() {
        return firstUid;
    }

    public long firstGid() {
        return firstGid;
    }

    public int ranges() {
        return ranges;
    }

    public Path lockDirectory() {
        return lockDirectory;
    }

    /** The mapping of range {@code index}. */
    public IdMapping range(int index) {
        if (index < 0 || index >= ranges) {
            throw new IllegalArgumentException("range index must be 0-" + (ranges - 1) + ", got " + index);
        }
        return new IdMapping(firstUid + (long) index * RANGE_SIZE, firstGid + (long) index * RANGE_SIZE, RANGE_SIZE);
    }

    /** Whether {@code hostUid} or {@code hostGid} lies in this pool. */
    public boolean contains(long hostUid, long hostGid) {
        return (hostUid >= firstUid && hostUid < firstUid + (long) ranges * RANGE_SIZE)
                || (hostGid >= firstGid && hostGid < firstGid + (long) ranges * RANGE_SIZE);
    }

    /**
     * Leases a free range: one that no process holds a lease on and that no running process uses. Tries the ranges
     * from a random one on, so that instances starting together rarely contend.
     *
     * @param holder written into the lease file for a person looking at the host (e.g. the sandbox directory)
     * @throws IOException when every range is leased or in use, or the lock directory cannot be used
     */
    public Lease lease(String holder) throws IOException {
        Files.createDirectories(lockDirectory);
        List<long[]> running = HostProcesses.ids();
        int start = ThreadLocalRandom.current().nextInt(ranges);
        for (int i = 0; i < ranges; i++) {
            int index = (start + i) % ranges;
            IdMapping mapping = range(index);
            if (HostProcesses.anyIn(running, mapping)) {
                continue;
            }
            Lease lease = tryLease(lockFile(mapping), mapping, holder);
            if (lease != null) {
                // The process list was read before the lock: read it again now that no one else can take the range.
                if (HostProcesses.anyIn(HostProcesses.ids(), mapping)) {
                    lease.close();
                    continue;
                }
                return lease;
            }
        }
        throw new IOException("all " + ranges + " id ranges of " + this + " are leased or in use by running processes; "
                + "wait for running sandboxes to end, sweep a crashed instance's leftovers, or delegate more ids");
    }

    private Path lockFile(IdMapping mapping) {
        return lockDirectory.resolve("range-" + mapping.hostUid() + "-" + mapping.hostGid() + ".lock");
    }

    private static Lease tryLease(Path file, IdMapping mapping, String holder) throws IOException {
        synchronized (HELD) {
            if (HELD.containsKey(file)) {
                return null;
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException | IOException e) {
                channel.close();
                return null;
            }
            if (lock == null) {
                channel.close();
                return null;
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " " + holder + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            Lease lease = new Lease(file, mapping, channel, lock);
            HELD.put(file, lease);
            return lease;
        }
    }

    /** How many ranges of this pool processes hold leases on (this one included); for tests and diagnosis. */
    public int leasedRanges() throws IOException {
        if (!Files.isDirectory(lockDirectory)) {
            return 0;
        }
        int leased = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(lockDirectory, "range-*.lock")) {
            for (Path file : files) {
                leased += isLeased(file) ? 1 : 0;
            }
        }
        return leased;
    }

    /** Whether a process (this one included) holds the lease of {@code mapping}'s range. */
    boolean isLeased(IdMapping mapping) throws IOException {
        return isLeased(lockFile(mapping));
    }

    private static boolean isLeased(Path file) throws IOException {
        synchronized (HELD) {  // a channel this JVM closes on a file it holds a lease on would drop that lease
            if (HELD.containsKey(file)) {
                return true;
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    return true;
                }
                lock.release();
                return false;
            } catch (NoSuchFileException e) {
                return false;
            }
        }
    }

    @Override
    public String toString() {
        return "host id pool of " + ranges + " ranges from uid " + firstUid + ", gid " + firstGid + " (leases in " + lockDirectory + ")";
    }

    /** One leased range; {@link #close()} gives it back (so does the holder's death). */
    public static final class Lease implements AutoCloseable {
        private final Path file;
        private final IdMapping mapping;
        private final FileChannel channel;
        private final FileLock lock;
        private boolean closed;

        private Lease(Path file, IdMapping mapping, FileChannel channel, FileLock lock) {
            this.file = file;
            this.mapping = mapping;
            this.channel = channel;
            this.lock = lock;
        }

        public IdMapping mapping() {
            return mapping;
        }

        @Override
        public void close() throws IOException {
            synchronized (HELD) {
                if (closed) {
                    return;
                }
                closed = true;
                HELD.remove(file, this);
                try {
                    lock.release();
                } finally {
                    channel.close();
                }
            }
        }

        @Override
        public String toString() {
            return "lease of " + mapping;
        }
    }
}
