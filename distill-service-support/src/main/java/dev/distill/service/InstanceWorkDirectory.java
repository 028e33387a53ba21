package dev.distill.service;

import dev.distill.engine.io.WorkDirectories;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * This instance's own directory under a work root that several instances (and their crashed predecessors) may share:
 * {@code <root>/instance-<name>}, held by a lock on a file inside for as long as the process lives. The kernel drops
 * the lock when the process dies, however it dies (kill -9 included), so at start an instance removes every sibling
 * directory it can lock: what a dead instance left half done (spooled layers, half-written files). A live sibling's
 * directory stays locked and untouched.
 */
final class InstanceWorkDirectory implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(InstanceWorkDirectory.class);
    static final String PREFIX = "instance-";
    static final String LOCK = ".lock";

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private InstanceWorkDirectory(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Removes what dead instances left under {@code root}, then makes and holds this instance's directory there.
     *
     * @param instance this instance's name; characters other than letters, digits, '.', '-' and '_' become '_'
     */
    static InstanceWorkDirectory claim(Path root, String instance) throws IOException {
        Files.createDirectories(root);
        for (Path left : sweep(root)) {
            LOG.infof("removed %s, left by an instance that is no longer running", left);
        }
        Path dir = root.resolve(PREFIX + instance.replaceAll("[^A-Za-z0-9._-]", "_"));
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock();
        if (lock == null) {
            channel.close();
            throw new IOException("work directory " + dir + " is held by another running process");
        }
        return new InstanceWorkDirectory(dir, channel, lock);
    }

    /** Removes the directories under {@code root} whose instance is dead, and returns them. */
    static List<Path> sweep(Path root) throws IOException {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            return removed;
        }
        try (DirectoryStream<Path> children = Files.newDirectoryStream(root, PREFIX + "*")) {
            for (Path child : children) {
                if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS) && !held(child)) {
                    WorkDirectories.removeTree(child);
                    removed.add(child);
                }
            }
        }
        return removed;
    }

    /** Whether a live process holds the directory's lock. */
    private static boolean held(Path dir) throws IOException {
        Path lockFile = dir.resolve(LOCK);
        if (!Files.isRegularFile(lockFile, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (FileChannel c = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock probe = c.tryLock();
            if (probe == null) {
                return true;
            }
            probe.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;  // this very process holds it
        }
    }

    Path path() {
        return directory;
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
            WorkDirectories.removeTree(directory);
        } catch (IOException e) {
            LOG.warnf("could not remove work directory %s: %s", directory, e.getMessage());
        }
    }
}
