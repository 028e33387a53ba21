package dev.distill.engine.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a container used of its cgroup limits, read from the kernel's counters before the container is deleted. A
 * counter the host does not have is -1.
 *
 * @param limits the limits the container ran under
 * @param memoryPeakBytes the most memory it held at once
 * @param oomKills processes the kernel killed because the container was at its memory limit
 * @param forksRefused forks and clones that failed because the container was at its pids limit
 * @param cpuPeriods scheduler periods (100 ms each) in which it wanted to run
 * @param cpuThrottledPeriods periods in which it used up its CPU quota and had to wait
 * @param cpuThrottledMillis how long it waited for lack of quota
 * @param cpuUsageMillis CPU time used
 * @param runMillis wall-clock time from the container's start to this reading
 */
public record ResourceUsage(ResourceLimits limits, long memoryPeakBytes, long oomKills, long forksRefused, long cpuPeriods,
        long cpuThrottledPeriods, long cpuThrottledMillis, long cpuUsageMillis, long runMillis) {

    /** Below a second of running, how much of its quota a program used says nothing. */
    static final long CPU_RUN_THAT_COUNTS_MILLIS = 1000;
    /** Using this share of its CPU quota over its whole run, and being throttled, is running at the limit. */
    static final double CPU_SHARE_AT_LIMIT = 0.75;

    public ResourceUsage {
        if (limits == null) {
            throw new IllegalArgumentException("resource usage needs the limits it was measured against");
        }
    }

    /** Nothing measured (no cgroups, or the container never ran). */
    public static ResourceUsage unknown(ResourceLimits limits) {
        return new ResourceUsage(limits, -1, -1, -1, -1, -1, -1, -1, -1);
    }

    public boolean memoryLimitReached() {
        return oomKills > 0;
    }

    public boolean pidsLimitReached() {
        return forksRefused > 0;
    }

    /**
     * Whether it ran at its CPU limit: throttled, and using at least {@value #CPU_SHARE_AT_LIMIT} of its quota over
     * its whole run of at least a second. A busy start is throttled now and then and then idles; a program that
     * spins uses all of its quota all the time. (The kernel's throttling counters alone undercount: quota is handed
     * to each CPU in slices.)
     */
    public boolean cpuLimitReached() {
        return runMillis >= CPU_RUN_THAT_COUNTS_MILLIS && cpuThrottledPeriods > 0 && cpuUsageMillis >= 0
                && cpuUsageMillis >= CPU_SHARE_AT_LIMIT * runMillis * limits.cpuMillis() / 1000.0;
    }

    /** One sentence per limit the container reached, naming the limit and the evidence. */
    public List<String> limitsReached() {
        List<String> reached = new ArrayList<>();
        for (String sentence : new String[] {memoryEvidence(), pidsEvidence(), cpuEvidence()}) {
            if (sentence != null) {
                reached.add(sentence);
            }
        }
        return reached;
    }

    /** "its memory limit of ...: ..." when it was reached, else null. */
    public String memoryEvidence() {
        return !memoryLimitReached() ? null : String.format(Locale.ROOT,
                "its memory limit of %s: the kernel killed %d process%s for exceeding it%s", mib(limits.memoryBytes()), oomKills,
                oomKills == 1 ? "" : "es", memoryPeakBytes > 0 ? " (peak " + mib(memoryPeakBytes) + ")" : "");
    }

    /** "its pids limit of ...: ..." when it was reached, else null. */
    public String pidsEvidence() {
        return !pidsLimitReached() ? null : String.format(Locale.ROOT, "its pids limit of %d tasks: %d fork%s refused",
                limits.pids(), forksRefused, forksRefused == 1 ? " was" : "s were");
    }

    /** "its CPU limit of ...: ..." when it ran at it, else null. */
    public String cpuEvidence() {
        return !cpuLimitReached() ? null : String.format(Locale.ROOT,
                "its CPU limit of %s CPU: used %.1f s of CPU in %.1f s, %.0f%% of its quota, throttled in %d periods",
                cpus(limits.cpuMillis()), cpuUsageMillis / 1000.0, runMillis / 1000.0,
                100.0 * cpuUsageMillis / (runMillis * limits.cpuMillis() / 1000.0), cpuThrottledPeriods);
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }

    private static String cpus(int millis) {
        return millis % 1000 == 0 ? Integer.toString(millis / 1000) : String.format(Locale.ROOT, "%.2f", millis / 1000.0);
    }
}
