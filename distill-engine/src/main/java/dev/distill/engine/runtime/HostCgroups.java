package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which resource controllers this host lets runc use, so that a limit is written into the runtime config only
 * where it can be enforced (runc fails on a limit whose controller is missing). On cgroup v1 (and hybrid) each
 * controller is a hierarchy under {@code /sys/fs/cgroup}; on v2 they are listed in {@code cgroup.controllers}.
 *
 * @param swapAccounting whether memory+swap can be limited too ({@code memory.memsw.*} on v1, always on v2)
 */
public record HostCgroups(boolean memory, boolean cpu, boolean pids, boolean swapAccounting) {

    public static final HostCgroups NONE = new HostCgroups(false, false, false, false);

    /** Reads the host's cgroup mounts under {@code /sys/fs/cgroup}. */
    public static HostCgroups detect() {
        return detect(Path.of("/sys/fs/cgroup"));
    }

    static HostCgroups detect(Path root) {
        Path unifiedControllers = root.resolve("cgroup.controllers");
        if (Files.isRegularFile(unifiedControllers)) {
            Set<String> names = new HashSet<>();
            try {
                names.addAll(List.of(Files.readString(unifiedControllers).trim().split("\\s+")));
            } catch (IOException e) {
                return NONE;
            }
            return new HostCgroups(names.contains("memory"), names.contains("cpu"), names.contains("pids"),
                    names.contains("memory"));
        }
        return new HostCgroups(Files.isDirectory(root.resolve("memory")), Files.isDirectory(root.resolve("cpu")),
                Files.isDirectory(root.resolve("pids")),
                Files.isRegularFile(root.resolve("memory/memory.memsw.limit_in_bytes")));
    }
}
