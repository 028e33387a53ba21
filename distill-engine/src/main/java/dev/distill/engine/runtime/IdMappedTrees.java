package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Layer trees shown with a sandbox's owners without changing a file: an id-mapped, read-only mount of a tree shows
 * the image's uid 33 (as the tree holds it) as the host id that the sandbox's 33 is. An overlay of such mounts gives a
 * container every owner the image says, and the run walks its entries only to check them (see {@link OverlayRootfs}).
 *
 * <p>The kernel takes an id mapping from a user namespace, so one is made for each {@link IdMapping}: a short-lived
 * {@code unshare --user} process whose {@code uid_map} and {@code gid_map} are written from here (as root), of which
 * only an open handle of {@code /proc/<pid>/ns/user} is kept (the handle keeps the namespace; nothing runs in it).
 * The last {@value #KEPT} are kept; all use of the handles is under one lock, so none is closed while a mount is
 * being given its mapping.
 */
final class IdMappedTrees {

    /** Namespaces kept open: a host's sandboxes reuse a few id ranges ({@link HostIdPool}), each one namespace. */
    static final int KEPT = 32;

    private static final Map<IdMapping, Integer> NAMESPACES = new LinkedHashMap<>(KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<IdMapping, Integer> eldest) {
            if (size() > KEPT) {
                MountCalls.close(eldest.getValue());
                return true;
            }
            return false;
        }
    };

    private IdMappedTrees() {
    }

    /**
     * Attaches at {@code target} (an empty directory) a read-only view of {@code tree} whose owners are mapped by
     * {@code ids}: the tree's uid {@code u} shows as {@code ids.hostUid(u)}, likewise for groups.
     */
    static void attach(Path tree, Path target, IdMapping ids) throws IOException {
        if (ids.isIdentity()) {
            throw new IllegalArgumentException("an id-mapped view needs a user namespace's mapping, got " + ids);
        }
        synchronized (NAMESPACES) {
            Integer namespace = NAMESPACES.get(ids);
            if (namespace == null) {
                namespace = newNamespace(ids);
                NAMESPACES.put(ids, namespace);
            }
            MountCalls.attachIdMapped(tree, target, namespace);
        }
    }

    /** An open handle of a new user namespace in which ids {@code 0..size-1} are the mapping's host ids. */
    private static int newNamespace(IdMapping ids) throws IOException {
        Process holder = new ProcessBuilder("unshare", "--user", "--", "sleep", "60").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            Path proc = Path.of("/proc", Long.toString(holder.pid()));
            Path ours = Files.readSymbolicLink(Path.of("/proc/self/ns/user"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            // unshare(1) enters the namespace before it runs sleep: the maps can be written once its link differs.
            while (Files.readSymbolicLink(proc.resolve("ns/user")).equals(ours)) {
                if (!holder.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("unshare --user did not make a user namespace within 5 s (exit "
                            + (holder.isAlive() ? "none yet" : holder.exitValue()) + ")");
                }
                Thread.sleep(1);
            }
            Files.writeString(proc.resolve("uid_map"), "0 " + ids.hostUid() + " " + ids.size() + "\n");
            Files.writeString(proc.resolve("gid_map"), "0 " + ids.hostGid() + " " + ids.size() + "\n");
            return MountCalls.openReadOnly(proc.resolve("ns/user"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making a user namespace for " + ids, e);
        } finally {
            holder.destroyForcibly();
            try {
                holder.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
