package dev.distill.engine.runtime;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Sandbox#sweep} removed: the leftovers of processes that died without cleaning up.
 *
 * @param removed the directories removed (sandboxes, and other work directories marked as held)
 * @param containersDeleted runc containers deleted (killed first if they still ran)
 * @param processesKilled processes found still running in a leftover container's cgroups and killed
 * @param cgroupsRemoved cgroup directories removed that runc had not
 * @param mountsDetached mounts found below a leftover directory and detached
 * @param live directories held by a live process, left alone
 * @param problems what could not be removed, with why
 */
public record SweepReport(List<Path> removed, int containersDeleted, int processesKilled, int cgroupsRemoved,
        int mountsDetached, List<Path> live, List<String> problems) {

    public SweepReport {
        removed = List.copyOf(removed);
        live = List.copyOf(live);
        problems = List.copyOf(problems);
    }

    public boolean isEmpty() {
        return removed.isEmpty() && problems.isEmpty();
    }

    @Override
    public String toString() {
        return "removed " + removed.size() + " leftover directories (" + containersDeleted + " containers deleted, "
                + processesKilled + " processes killed, " + cgroupsRemoved + " cgroups and " + mountsDetached
                + " mounts removed); " + live.size() + " in use left alone" + (problems.isEmpty() ? "" : "; problems: " + problems);
    }
}
