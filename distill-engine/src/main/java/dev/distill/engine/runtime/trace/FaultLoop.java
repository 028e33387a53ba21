package dev.distill.engine.runtime.trace;

import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises, in strace's output, a container's init process that crashed and cannot die: the kernel keeps the init
 * of a pid namespace unkillable by its own fault signals while it is traced (it clears that protection only for an
 * untraced task), so a program that segfaults or aborts as pid 1 under strace re-executes the faulting instruction
 * forever. Seen as the same fault signal delivered to the init again and again, with nothing else in between.
 */
final class FaultLoop {

    /** Identical fault signals in a row that mean the init is stuck: a real handler makes progress in between. */
    static final int REPEATS = 32;

    private static final Set<String> FAULTS = Set.of("SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE");
    private static final Pattern SIGNAL = Pattern.compile("^(\\d+)\\s+--- (SIG[A-Z0-9]+) (\\{.*\\}) ---$");
    private static final Pattern PID = Pattern.compile("^(\\d+)\\s");

    private final int init;
    private String last;
    private int repeats;

    FaultLoop(int init) {
        this.init = init;
    }

    /**
     * Reads one line of output.
     *
     * @return the fault (e.g. {@code SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL}}) once the init has
     *     been stopped by it {@link #REPEATS} times in a row, else null
     */
    String line(String line) {
        Matcher pid = PID.matcher(line);
        if (!pid.find() || Integer.parseInt(pid.group(1)) != init) {
            return null;  // another process: not what the init does
        }
        Matcher s = SIGNAL.matcher(line);
        if (!s.matches() || !FAULTS.contains(s.group(2))) {
            last = null;
            repeats = 0;
            return null;
        }
        String fault = s.group(2) + " " + s.group(3);
        repeats = fault.equals(last) ? repeats + 1 : 1;
        last = fault;
        return repeats >= REPEATS ? fault : null;
    }
}
