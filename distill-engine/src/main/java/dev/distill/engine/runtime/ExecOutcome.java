package dev.distill.engine.runtime;

import java.time.Duration;

/**
 * What one process run in a container with {@link ContainerRun#exec} did.
 *
 * @param exitStatus its exit code, or 128 + the signal that killed it
 * @param stdout its standard output, cut at the sandbox's log limit
 * @param stderr its standard error, cut the same way
 * @param timedOut whether it was killed at its time limit
 * @param took from the exec to its end
 */
public record ExecOutcome(int exitStatus, String stdout, String stderr, boolean timedOut, Duration took) {

    public ExecOutcome {
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
    }
}
