package dev.distill.engine.runtime.trace;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One program image run by one process: from an {@code execve} (or from the fork that made the process, which then
 * runs its parent's program) to the next {@code execve} or the end of the trace, with every path a call of it
 * succeeded on. Threads are part of their process's execution.
 *
 * @param id its position in {@link FileAccessTrace#executions()}
 * @param pid the process, as strace named it (a host pid)
 * @param parent the id of the execution it came from: the one that forked it, or the one its process ran before
 *     the {@code execve}; -1 for the first, or when strace did not show where it came from
 * @param executed whether it began with an {@code execve}; false for a fork still running its parent's program
 * @param executable the program image as {@code execve} named it (absolute where the call or {@code -y} said so),
 *     inherited by forks; null when the trace does not say
 * @param argv the arguments {@code execve} gave (inherited by forks), as strace printed them
 * @param paths every path a call succeeded on, in the order first used, with how it was used
 */
public record Execution(int id, int pid, int parent, boolean executed, String executable, List<String> argv,
        Map<String, Set<Access>> paths) {

    public Execution {
        if (id < 0 || parent >= id) {
            throw new IllegalArgumentException("an execution's id is >= 0 and its parent comes before it, got " + id
                    + " from " + parent);
        }
        argv = List.copyOf(argv);
        Map<String, Set<Access>> copy = new LinkedHashMap<>();
        paths.forEach((path, how) -> copy.put(path, Collections.unmodifiableSet(EnumSet.copyOf(how))));
        paths = Collections.unmodifiableMap(copy);
    }
}
