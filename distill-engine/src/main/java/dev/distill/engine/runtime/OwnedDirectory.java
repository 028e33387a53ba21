package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A work directory marked as held by a live process: a lock file in it that the process keeps a POSIX lock on until
 * it is done. The kernel drops the lock when the process dies, however it dies, so {@link Sandbox#sweep} can tell a
 * crashed instance's leftovers from another instance's work in progress in the same work root.
 */
public final class OwnedDirectory implements AutoCloseable {

    /** The marker, in the directory itself. */
    public static final String LOCK_FILE = ".distill-owner.lock";

    // Directories this JVM holds: never probed through a second channel, whose closing would drop this JVM's lock.
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean closed;

    private OwnedDirectory(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** Marks {@code dir} (an existing directory that nothing else holds) as this process's until {@link #close()}. */
    public static OwnedDirectory claim(Path dir, String purpose) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot claim " + d + ": not a directory");
        }
        if (!HELD.add(d)) {
            throw new IOException("cannot claim " + d + ": this process holds it already");
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(d.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new IOException("cannot claim " + d + ": another process holds it");
            }
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ": " + purpose + "\n")
                    .getBytes(StandardCharsets.UTF_8)));
            return new OwnedDirectory(d, channel, lock);
        } catch (IOException | OverlappingFileLockException e) {
            if (channel != null) {
                channel.close();
            }
            HELD.remove(d);
            throw e instanceof IOException io ? io : new IOException("cannot claim " + d + ": " + e, e);
        }
    }

    public Path path() {
        return dir;
    }

    /** Whether this JVM holds {@code dir}. */
    static boolean heldHere(Path dir) {
        return HELD.contains(dir.toAbsolutePath().normalize());
    }

    /**
     * Takes over a directory whose holder died: the lock of its file, if no live process has it. Empty when the
     * directory is held (by this JVM or another process) or is not an owned directory.
     */
    static OwnedDirectory takeOver(Path dir) throws IOException {
        Path d = dir.toAbsolutePath().normalize();
        Path file = d.resolve(LOCK_FILE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) || !HELD.add(d)) {
            return null;
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                HELD.remove(d);
                return null;
            }
            return new OwnedDirectory(d, channel, lock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            HELD.remove(d);
            throw e instanceof IOException io ? io : new IOException("cannot take over " + d + ": " + e, e);
        }
    }

    /** Releases the directory (it stays on disk; the caller removes it first or after). */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (channel.isOpen()) {
                lock.release();
            }
        } finally {
            channel.close();
            HELD.remove(dir);
        }
    }
}
