package dev.distill.engine.runtime;

/**
 * The cgroup limits of one container. Applied where the host has the controller (see {@link RuntimeConfig}).
 *
 * @param cpuMillis CPU time per wall-clock second in thousandths of a CPU: 1000 is one full CPU
 * @param pids the most tasks (processes and threads) the container may have at once: what stops a fork bomb
 */
public record ResourceLimits(long memoryBytes, int cpuMillis, int pids) {

    /** 512 MiB, one CPU, 256 tasks: enough for php-fpm with a few workers and nginx, small enough to stay safe. */
    public static final ResourceLimits DEFAULTS = new ResourceLimits(512L << 20, 1000, 256);

    public ResourceLimits {
        if (memoryBytes < (4L << 20)) {
            throw new IllegalArgumentException("memory limit must be at least 4 MiB, got " + memoryBytes + " bytes");
        }
        if (cpuMillis < 10) {
            throw new IllegalArgumentException("cpu limit must be at least 10 millicpus, got " + cpuMillis);
        }
        if (pids < 1) {
            throw new IllegalArgumentException("pids limit must be positive, got " + pids);
        }
    }
}
