package dev.distill.engine.runtime;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Mount calls made from the JVM through libc with JNA: those util-linux 2.38 cannot make at all, a detached copy of
 * a directory's mount ({@code open_tree}) given an id mapping and made read-only ({@code mount_setattr}), then
 * attached elsewhere ({@code move_mount}); and plain {@code mount} and {@code umount2}, which cost a process start each
 * through mount(8) (tens of milliseconds on a busy host, several per container). The new calls go through libc's
 * {@code syscall}: their numbers are the same on every architecture they exist on (since Linux 5.2 and 5.12), and
 * all their arguments go as 64-bit values. Every failure is an {@link IOException} naming the call, the path and
 * the {@code errno}. Where JNA cannot load its native part (a {@code noexec} temporary directory), {@link #loaded}
 * says why and callers use mount(8) instead.
 */
final class MountCalls {

    private static final long SYS_OPEN_TREE = 428;
    private static final long SYS_MOVE_MOUNT = 429;
    private static final long SYS_MOUNT_SETATTR = 442;
    private static final long AT_FDCWD = -100;
    private static final long AT_EMPTY_PATH = 0x1000;
    private static final long OPEN_TREE_CLONE = 1;
    private static final long O_CLOEXEC = 02000000;
    private static final long MOVE_MOUNT_F_EMPTY_PATH = 0x4;
    private static final long MOUNT_ATTR_RDONLY = 0x1;
    private static final long MOUNT_ATTR_IDMAP = 0x00100000;
    /** {@code struct mount_attr}: attr_set, attr_clr, propagation, userns_fd, each a {@code __u64}. */
    private static final long MOUNT_ATTR_SIZE = 32;
    private static final int MNT_DETACH = 2;
    private static final int O_RDONLY = 0;

    /** The libc functions used; JNA keeps {@code errno} of the last call per thread. */
    interface LibC extends Library {
        long syscall(long number, Object... arguments);

        int open(String path, int flags);

        int close(int fd);

        int umount2(String target, int flags);

        int mount(String source, String target, String type, long flags, String data);
    }

    private static final class Holder {
        static final LibC LIBC = Native.load("c", LibC.class);
    }

    private static volatile String notLoaded;
    private static volatile boolean tried;

    /** Whether libc can be called here; the first call loads it. */
    static boolean loaded() {
        if (!tried) {
            synchronized (MountCalls.class) {
                if (!tried) {
                    try {
                        Holder.LIBC.getClass();
                    } catch (LinkageError e) {
                        notLoaded = "JNA cannot call libc here: " + e;
                    }
                    tried = true;
                }
            }
        }
        return notLoaded == null;
    }

    /**
     * Mounts a file system of {@code type} (overlay, tmpfs) at {@code target} with {@code options} (at most a page).
     */
    static void mount(String type, Path target, String options) throws IOException {
        if (Holder.LIBC.mount(type, target.toString(), type, 0, options) != 0) {
            throw failure("mount -t " + type + " -o " + options, target);
        }
    }

    /** Unmounts {@code target} now; fails (EBUSY) while something uses it. */
    static void unmount(Path target) throws IOException {
        if (Holder.LIBC.umount2(target.toString(), 0) != 0) {
            throw failure("umount2", target);
        }
    }

    private MountCalls() {
    }

    /**
     * Attaches at {@code target} (an empty directory) a read-only copy of {@code source}'s directory tree in which every
     * owner is shown as the user namespace {@code userNamespace} maps it: a file of uid 33 shows as the host uid that
     * the namespace's 33 is. The source is not changed and nothing written through the copy can reach it.
     */
    static void attachIdMapped(Path source, Path target, int userNamespace) throws IOException {
        LibC c = Holder.LIBC;
        long tree = c.syscall(SYS_OPEN_TREE, AT_FDCWD, source.toString(), OPEN_TREE_CLONE | O_CLOEXEC);
        if (tree < 0) {
            throw failure("open_tree", source);
        }
        try {
            Memory attr = new Memory(MOUNT_ATTR_SIZE);
            attr.clear();
            attr.setLong(0, MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY);
            attr.setLong(24, userNamespace);
            if (c.syscall(SYS_MOUNT_SETATTR, tree, "", AT_EMPTY_PATH, attr, MOUNT_ATTR_SIZE) < 0) {
                throw failure("mount_setattr (id mapping)", source);
            }
            if (c.syscall(SYS_MOVE_MOUNT, tree, "", AT_FDCWD, target.toString(), MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                throw failure("move_mount", target);
            }
        } finally {
            c.close((int) tree);
        }
    }

    /** Detaches the mount at {@code target} now; it goes when nothing uses it (an overlay keeps its own copies). */
    static void detach(Path target) throws IOException {
        if (Holder.LIBC.umount2(target.toString(), MNT_DETACH) != 0) {
            throw failure("umount2", target);
        }
    }

    /** Opens {@code path} read-only (close-on-exec), such as a namespace's {@code /proc/<pid>/ns/user}. */
    static int openReadOnly(Path path) throws IOException {
        int fd = Holder.LIBC.open(path.toString(), O_RDONLY | (int) O_CLOEXEC);
        if (fd < 0) {
            throw failure("open", path);
        }
        return fd;
    }

    static void close(int fd) {
        Holder.LIBC.close(fd);
    }

    private static IOException failure(String call, Path path) {
        int errno = Native.getLastError();
        return new IOException(call + " " + path + " failed: errno " + errno + " (" + describe(errno) + ")");
    }

    private static String describe(int errno) {
        return switch (errno) {
            case 1 -> "EPERM: not permitted";
            case 2 -> "ENOENT: no such file or directory";
            case 16 -> "EBUSY: busy";
            case 22 -> "EINVAL: the file system or kernel does not support id-mapped mounts here";
            case 38 -> "ENOSYS: the kernel lacks the new mount API";
            case 95 -> "EOPNOTSUPP: the file system cannot be id-mapped";
            default -> "see errno(3)";
        };
    }
}
