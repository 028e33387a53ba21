package dev.distill.engine.runtime.trace;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a traced container did with files, read from {@code strace -f -y} output (one line per system call,
 * prefixed with the pid; {@code -y} shows the directory a relative path starts from, as in
 * {@code openat(AT_FDCWD</etc>, "x.conf", ...)}, and the directory a {@code getdents} lists). Calls before the first
 * successful {@code execve} are runc's own init preparing the container and are left out.
 *
 * <p>A path counts as <em>missing</em> when a file system call on it failed with {@code ENOENT}, except:
 * <ul>
 *   <li>glibc's hardware-capability probes: a path through {@code glibc-hwcaps}, {@code tls} or a legacy platform
 *       directory ({@code haswell}, {@code x86_64}, {@code avx512_1}, ...); which of them exist depends on the CPU
 *       and the loader falls back on its own;</li>
 *   <li>{@code /etc/ld.so.preload} and {@code /etc/ld.so.nohwcap}, which glibc's loader checks in every program;</li>
 *   <li>search misses: the same file name was found (a call on it succeeded) in another directory during the trace,
 *       as when a loader walks its library path or a shell walks {@code PATH}.</li>
 * </ul>
 * Every ignored path is kept with its reason, so a report can show why it was not repaired. Relative paths are made
 * absolute from the directory {@code -y} printed; one without it is listed as unresolved.
 *
 * <p>A path counts as <em>opened</em> when an {@code open}, {@code openat}, {@code openat2}, {@code creat},
 * {@code execve} or {@code execveat} on it succeeded, except opens with {@code O_DIRECTORY}: the files whose content
 * the program used, as it named them (a symlink is not followed here; the caller resolves paths in the image, where
 * it also tells regular files from {@code /dev} and {@code /proc}).
 *
 * <p>A path counts as <em>written</em> when the program made it: a successful open for writing ({@code O_WRONLY},
 * {@code O_RDWR}, {@code O_CREAT}, {@code creat}), the target of a successful {@code rename}, or a directory it made
 * ({@code mkdir}); a path it renamed away or deleted ({@code unlink}, {@code rmdir}) at any time is not (a temporary
 * file, SQLite's rollback journal), even when the trace ends after it was made again: a program stopped between
 * making its temporary and renaming it. What a worker does, as files.
 *
 * <p>The {@link #executions()} say which process ran which program and every path each used successfully (read,
 * written, executed, listed or looked up): the evidence a repair is built from. {@code fork}, {@code vfork} and
 * {@code clone} link a process to the one that made it; a thread's calls count for its process. What is kept is
 * bounded ({@link StraceParser#MAX_EXECUTIONS} executions, {@link StraceParser#MAX_PATHS} paths); what did not fit
 * is counted in {@link #dropped()}.
 *
 * <p>A call is <em>denied</em> when one of {@link #DENIED_CALLS} (calls the sandbox refuses: namespaces, mounts,
 * the keyring, bpf, ptrace, ...) failed with {@code EPERM} after the first successful {@code execve}: evidence that
 * the program tried something the sandbox does not allow, for a verdict to name when the program then fails.
 *
 * @param exits how each traced process ended, by pid: its exit code, or 128 + the number of the signal that killed it
 * @param denied the denied calls as strace printed them (arguments clipped), each once, at most {@value #DENIED_KEPT}
 */
public record FileAccessTrace(Set<String> missing, Map<String, String> ignored, Set<String> unresolved, Set<String> opened,
        Set<String> written, Map<Integer, Integer> exits, List<Execution> executions, int calls, int unparsed,
        int dropped, List<String> denied) {

    /**
     * The system calls to trace: every way a program opens, executes, tests, follows, lists, makes or renames a path,
     * and the calls that make processes (to tell which program a process runs).
     */
    public static final List<String> SYSCALLS = List.of("open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat",
            "statx", "access", "faccessat", "faccessat2", "execve", "execveat", "readlink", "readlinkat", "chdir", "rename",
            "renameat", "renameat2", "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir", "getdents", "getdents64", "clone", "clone3", "fork", "vfork");

    /**
     * Calls the sandbox refuses (its seccomp profile, or the capabilities a container lacks), traced so that a
     * refusal shows as evidence. Only names strace knows. A {@code clone} the profile refuses (namespace flags) is
     * traced among {@link #SYSCALLS} but not named here: a fork bomb repeats its failing forks without end (their
     * lines count against the trace's size limit, {@link StraceSession#MAX_OUTPUT_BYTES}).
     */
    public static final List<String> DENIED_CALLS = List.of("unshare", "setns", "mount", "umount2", "pivot_root", "keyctl",
            "add_key", "request_key", "bpf", "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "kexec_load",
            "kexec_file_load", "reboot", "init_module", "finit_module", "delete_module", "perf_event_open", "userfaultfd",
            "open_by_handle_at", "name_to_handle_at", "io_uring_setup", "swapon", "swapoff", "acct", "settimeofday",
            "clock_settime", "personality", "socket");

    /** At most this many denied calls are kept. */
    static final int DENIED_KEPT = 20;

    public FileAccessTrace {
        missing = Collections.unmodifiableSortedSet(new TreeSet<>(missing));
        ignored = Collections.unmodifiableSortedMap(new TreeMap<>(ignored));
        unresolved = Collections.unmodifiableSortedSet(new TreeSet<>(unresolved));
        opened = Collections.unmodifiableSortedSet(new TreeSet<>(opened));
        written = Collections.unmodifiableSortedSet(new TreeSet<>(written));
        exits = Collections.unmodifiableSortedMap(new TreeMap<>(exits));
        executions = List.copyOf(executions);
        denied = List.copyOf(denied);
        if (calls < 0 || unparsed < 0 || dropped < 0) {
            throw new IllegalArgumentException("call, line and drop counts must not be negative, got " + calls + ", "
                    + unparsed + ", " + dropped);
        }
    }

    /** Parses strace output (read line by line; the whole trace is never held in memory). */
    public static FileAccessTrace parse(Reader strace) throws IOException {
        StraceParser parser = new StraceParser();
        BufferedReader lines = new BufferedReader(strace);
        for (String line; (line = lines.readLine()) != null; ) {
            parser.line(line);
        }
        return parser.finish();
    }
}
