package dev.distill.engine.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cgroup directories of one container on the host, found from its init process's {@code /proc/<pid>/cgroup} and
 * the host's cgroup mounts (v1 hierarchies, the v2 unified one, or both on a hybrid host). They give the counters
 * that say whether a limit was reached ({@link #usage}), and they are written into the bundle ({@link #save}) so
 * that a sweep after a crash can find and remove what runc could not.
 */
final class ContainerCgroups {

    static final String FILE = "cgroups";

    // controller ("" for the v2 unified hierarchy) -> the container's directory
    private final Map<String, Path> directories;

    private ContainerCgroups(Map<String, Path> directories) {
        this.directories = Map.copyOf(directories);
    }

    static ContainerCgroups none() {
        return new ContainerCgroups(Map.of());
    }

    /** The directories of process {@code pid}'s cgroups, or none when they cannot be read. */
    static ContainerCgroups of(int pid) {
        try {
            return of(Files.readAllLines(Path.of("/proc", Integer.toString(pid), "cgroup")),
                    Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return none();
        }
    }

    /**
     * @param cgroup lines {@code id:controllers:path} of {@code /proc/<pid>/cgroup}
     * @param mountinfo lines of {@code /proc/self/mountinfo}
     */
    static ContainerCgroups of(List<String> cgroup, List<String> mountinfo) {
        Map<String, String[]> mounts = new LinkedHashMap<>();  // controller -> {mount root, mount point}
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            int dash = List.of(f).indexOf("-");
            if (dash < 0 || dash + 3 >= f.length) {
                continue;
            }
            String type = f[dash + 1];
            if (type.equals("cgroup2")) {
                mounts.putIfAbsent("", new String[] {f[3], f[4]});
            } else if (type.equals("cgroup")) {
                for (String option : f[dash + 3].split(",")) {
                    if (!option.equals("rw") && !option.equals("ro")) {
                        mounts.putIfAbsent(option, new String[] {f[3], f[4]});
                    }
                }
            }
        }
        Map<String, Path> dirs = new LinkedHashMap<>();
        for (String line : cgroup) {
            String[] f = line.split(":", 3);
            if (f.length != 3) {
                continue;
            }
            for (String controller : f[1].isEmpty() ? List.of("") : List.of(f[1].split(","))) {
                String[] mount = mounts.get(controller);
                if (mount == null || !(f[2] + "/").startsWith(mount[0].equals("/") ? "/" : mount[0] + "/")) {
                    continue;
                }
                String relative = mount[0].equals("/") ? f[2] : f[2].substring(mount[0].length());
                Path dir = Path.of(unescape(mount[1]) + relative).normalize();
                if (!relative.equals("/") && !relative.isEmpty()) {  // never the root of a hierarchy
                    dirs.put(controller, dir);
                }
            }
        }
        return new ContainerCgroups(dirs);
    }

    /** The directories written by {@link #save}, or none. */
    static ContainerCgroups load(Path bundle) {
        Path file = bundle.resolve(FILE);
        Map<String, Path> dirs = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                int tab = line.indexOf('\t');
                if (tab >= 0 && line.substring(tab + 1).startsWith("/sys/fs/cgroup/")) {
                    dirs.put(line.substring(0, tab), Path.of(line.substring(tab + 1)).normalize());
                }
            }
        } catch (IOException e) {
            return none();
        }
        return new ContainerCgroups(dirs);
    }

    void save(Path bundle) throws IOException {
        StringBuilder text = new StringBuilder();
        directories.forEach((controller, dir) -> text.append(controller).append('\t').append(dir).append('\n'));
        Files.writeString(bundle.resolve(FILE), text, StandardCharsets.UTF_8);
    }

    List<Path> directories() {
        return new ArrayList<>(directories.values());
    }

    boolean isEmpty() {
        return directories.isEmpty();
    }

    /** What the counters say now; a counter the host does not have is -1. */
    ResourceUsage usage(ResourceLimits limits, long runMillis) {
        Path memory = directories.get("memory");
        Path pids = directories.get("pids");
        Path cpu = directories.get("cpu");
        Path unified = directories.get("");
        long peak;
        long oomKills;
        long forksRefused;
        Map<String, Long> cpuStat;
        long cpuUsageMicros;
        if (memory != null || pids != null || cpu != null) {  // cgroup v1 (or hybrid)
            peak = number(memory, "memory.max_usage_in_bytes");
            oomKills = keyed(memory, "memory.oom_control").getOrDefault("oom_kill", -1L);
            forksRefused = keyed(pids, "pids.events").getOrDefault("max", -1L);
            cpuStat = keyed(cpu, "cpu.stat");
            Path cpuacct = directories.get("cpuacct");
            long nanos = number(cpuacct, "cpuacct.usage");
            cpuUsageMicros = nanos < 0 ? -1 : nanos / 1000;
            Long throttledNanos = cpuStat.get("throttled_time");
            if (throttledNanos != null) {
                cpuStat.put("throttled_usec", throttledNanos / 1000);
            }
        } else {
            peak = number(unified, "memory.peak");
            oomKills = keyed(unified, "memory.events").getOrDefault("oom_kill", -1L);
            forksRefused = keyed(unified, "pids.events").getOrDefault("max", -1L);
            cpuStat = keyed(unified, "cpu.stat");
            cpuUsageMicros = cpuStat.getOrDefault("usage_usec", -1L);
        }
        long throttledMicros = cpuStat.getOrDefault("throttled_usec", -1L);
        return new ResourceUsage(limits, peak, oomKills, forksRefused, cpuStat.getOrDefault("nr_periods", -1L),
                cpuStat.getOrDefault("nr_throttled", -1L), throttledMicros < 0 ? -1 : throttledMicros / 1000,
                cpuUsageMicros < 0 ? -1 : cpuUsageMicros / 1000, runMillis);
    }

    private static long number(Path dir, String file) {
        if (dir == null) {
            return -1;
        }
        try {
            return Long.parseLong(Files.readString(dir.resolve(file)).strip());
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    private static Map<String, Long> keyed(Path dir, String file) {
        Map<String, Long> values = new LinkedHashMap<>();
        if (dir == null) {
            return values;
        }
        try {
            for (String line : Files.readAllLines(dir.resolve(file))) {
                String[] f = line.strip().split("\\s+");
                if (f.length == 2 && f[1].matches("\\d+")) {
                    values.put(f[0], Long.parseLong(f[1]));
                }
            }
        } catch (NoSuchFileException e) {
            // this kernel has no such counter
        } catch (IOException e) {
            // removed meanwhile
        }
        return values;
    }

    // mountinfo escapes space, tab, newline and backslash as octal
    private static String unescape(String field) {
        return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
