package dev.distill.engine.runtime;

import dev.distill.engine.io.WorkDirectories;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds and removes the leftovers of dead processes below a work root (see {@link Sandbox#sweep}). Walks a few
 * levels down, never into a rootfs or a store of layer trees, never through a link, never into a directory a live
 * process holds. A container's overlay rootfs is unmounted with the rest of its sandbox's mounts, before any removal.
 */
final class SandboxSweeper {

    private static final int MAX_DEPTH = 6;

    private final String runtime;
    private final List<Path> removed = new ArrayList<>();
    private final List<Path> live = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private int containersDeleted;
    private int processesKilled;
    private int cgroupsRemoved;
    private int mountsDetached;

    SandboxSweeper(String runtime) {
        this.runtime = runtime;
    }

    SweepReport sweep(Path root) {
        Path r = root.toAbsolutePath().normalize();
        if (Files.isDirectory(r, LinkOption.NOFOLLOW_LINKS)) {
            visit(r, 0);
        }
        return new SweepReport(removed, containersDeleted, processesKilled, cgroupsRemoved, mountsDetached, live, problems);
    }

    private void visit(Path dir, int depth) {
        if (depth > MAX_DEPTH) {
            return;
        }
        if (Files.isRegularFile(dir.resolve(OwnedDirectory.LOCK_FILE), LinkOption.NOFOLLOW_LINKS)) {
            OwnedDirectory taken;
            try {
                taken = OwnedDirectory.takeOver(dir);
            } catch (IOException e) {
                problems.add(dir + ": cannot tell whether its holder lives: " + e.getMessage());
                return;
            }
            if (taken == null) {
                live.add(dir);
                return;
            }
            try (taken) {
                children(dir).forEach(child -> visit(child, depth + 1));  // nested leftovers first: they need their bundles
                removeContainers(dir);
                detachMounts(dir);
                WorkDirectories.removeTree(dir);
                removed.add(dir);
            } catch (IOException e) {
                problems.add(dir + ": " + e.getMessage());
            }
            return;
        }
        children(dir).forEach(child -> visit(child, depth + 1));
    }

    private List<Path> children(Path dir) {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                // Never into a rootfs or a container's writable layer, nor into a store of layer trees (shared, and
                // cleaned by the store itself).
                String name = p.getFileName().toString();
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !name.equals("rootfs") && !name.equals(OverlayRootfs.WRITABLE_LAYER)
                        && !name.equals(OverlayRootfs.CHECKED_VIEW) && !name.equals(OverlayRootfs.MAPPED_TREES)
                        && !Files.exists(p.resolve(LayerTreeStore.MARKER), LinkOption.NOFOLLOW_LINKS)) {
                    dirs.add(p);
                }
            }
        } catch (IOException e) {
            problems.add(dir + ": cannot list: " + e.getMessage());
        }
        dirs.sort(Comparator.naturalOrder());
        return dirs;
    }

    /**
     * Deletes the containers runc knows in this sandbox, then kills what still runs in the cgroups its bundles name
     * and removes them. (Never by host ids: a dead sandbox's range may be leased again by a live one.)
     */
    private void removeContainers(Path sandbox) {
        Path state = sandbox.resolve("runc");
        if (Files.isDirectory(state, LinkOption.NOFOLLOW_LINKS)) {
            Runc runc = new Runc(runtime, state);
            try {
                for (String id : runc.list()) {
                    Runc.Result r = runc.deleteForce(id);
                    if (r.ok()) {
                        containersDeleted++;
                    } else {
                        problems.add(sandbox + ": runc delete --force " + id + ": " + r.stderr().strip());
                    }
                }
            } catch (IOException e) {
                problems.add(sandbox + ": " + e.getMessage());
            }
        }
        for (Path bundle : children(sandbox)) {
            ContainerCgroups cgroups = ContainerCgroups.load(bundle);
            for (Path cgroup : cgroups.directories()) {
                killAll(cgroup);
            }
            for (Path cgroup : cgroups.directories()) {
                removeCgroup(cgroup);
            }
        }
    }

    private void killAll(Path cgroup) {
        try {
            for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
                if (line.strip().matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(line.strip())).ifPresent(p -> {
                        if (p.destroyForcibly()) {
                            processesKilled++;
                        }
                    });
                }
            }
        } catch (IOException e) {
            // removed by runc delete already: nothing runs there
        }
    }

    private void removeCgroup(Path cgroup) {
        if (!Files.isDirectory(cgroup)) {
            return;
        }
        // A killed process leaves its cgroup a moment after SIGKILL: retry for up to two seconds.
        for (int attempt = 0; attempt < 40; attempt++) {
            try {
                Files.delete(cgroup);
                cgroupsRemoved++;
                return;
            } catch (IOException e) {
                sleep(50);
            }
        }
        problems.add("cgroup " + cgroup + " could not be removed (processes still in it?)");
    }

    /** runc mounts inside the container's own mount namespace; anything below the sandbox on the host is a leftover. */
    private void detachMounts(Path dir) {
        List<String> points = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4) {
                    String point = f[4].replace("\\040", " ");
                    if (point.startsWith(dir + "/") || point.equals(dir.toString())) {
                        points.add(point);
                    }
                }
            }
        } catch (IOException e) {
            problems.add(dir + ": cannot read the mount table: " + e.getMessage());
            return;
        }
        points.sort(Comparator.comparing(String::length).reversed());
        for (String point : points) {
            try {
                Process p = new ProcessBuilder("umount", "-l", point).redirectErrorStream(true).start();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    mountsDetached++;
                } else {
                    problems.add("umount -l " + point + " failed: " + new String(p.getInputStream().readAllBytes()).strip());
                }
            } catch (IOException e) {
                problems.add("umount -l " + point + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
