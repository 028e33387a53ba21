package dev.distill.engine.runtime.trace;

import dev.distill.engine.fs.Paths;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads {@code strace -f -y} output line by line into a {@link FileAccessTrace}, within fixed bounds. */
final class StraceParser {

    /** At most this many executions are kept (a fork loop makes one per process). */
    static final int MAX_EXECUTIONS = 4096;
    /** At most this many paths are kept: (execution, path) pairs, and as many distinct paths that failed or were found. */
    static final int MAX_PATHS = 100_000;

    // Calls whose first argument is a directory fd, the path being the second.
    private static final Set<String> AT_CALLS = Set.of("openat", "openat2", "newfstatat", "statx", "faccessat", "faccessat2",
            "execveat", "readlinkat", "renameat", "renameat2", "mkdirat", "unlinkat");
    private static final Set<String> OPEN_CALLS = Set.of("open", "openat", "openat2", "creat");
    private static final Set<String> EXEC_CALLS = Set.of("execve", "execveat");
    private static final Set<String> FORK_CALLS = Set.of("clone", "clone3", "fork", "vfork");
    private static final Set<String> DENIABLE = Set.copyOf(FileAccessTrace.DENIED_CALLS);
    private static final int DENIED_ARGS_KEPT = 120;
    private static final Set<String> LIST_CALLS = Set.of("getdents", "getdents64");
    private static final Set<String> RENAME_CALLS = Set.of("rename", "renameat", "renameat2");
    private static final Set<String> MKDIR_CALLS = Set.of("mkdir", "mkdirat");
    private static final Set<String> REMOVE_CALLS = Set.of("unlink", "unlinkat", "rmdir");
    private static final Set<String> WRITE_FLAGS = Set.of("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC");
    private static final Set<String> HWCAP_DIRECTORIES = Set.of("glibc-hwcaps", "tls", "haswell", "x86_64", "avx512_1",
            "i686", "i586", "sse2", "xeon_phi", "aarch64", "atomics", "asimd");
    private static final Set<String> LOADER_FILES = Set.of("/etc/ld.so.preload", "/etc/ld.so.nohwcap");
    private static final Pattern CALL = Pattern.compile("^(\\d+)\\s+(\\w+)\\((.*)\\)\\s+=\\s+(-?\\d+|\\?)(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^(\\d+)\\s+<\\.\\.\\. (\\w+) resumed>(.*)$");
    private static final Pattern UNFINISHED = Pattern.compile("^(\\d+)\\s+(.*) <unfinished \\.\\.\\.>$");
    private static final Pattern ENDED = Pattern.compile("^(\\d+)\\s+\\+\\+\\+ (?:exited with (\\d+)|killed by SIG([A-Z0-9]+)).*");
    /** Signal numbers on x86-64 and arm64 Linux, for a process killed by one. */
    static final Map<String, Integer> SIGNALS = Map.ofEntries(Map.entry("HUP", 1), Map.entry("INT", 2),
            Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12),
            Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("SYS", 31));
    private static final Pattern DIRFD = Pattern.compile("^[^<,]*<([^>]*)>");
    private static final Pattern HOST_PID = Pattern.compile("/\\* (\\d+) in strace's PID NS \\*/");
    private static final Pattern FLAG = Pattern.compile("O_[A-Z]+");

    /** One execution while it is being read. */
    private static final class Builder {
        int id;
        final int pid;
        int parent;
        final boolean executed;
        String executable;
        List<String> argv;
        final Map<String, EnumSet<Access>> paths = new LinkedHashMap<>();
        /** Created for a pid whose fork strace had not shown yet; its parent is filled in when the fork returns. */
        boolean unlinked;
        /** A thread's calls, read before its clone returned, moved to its process's execution. */
        Builder mergedInto;

        Builder(int id, int pid, int parent, boolean executed, String executable, List<String> argv) {
            this.id = id;
            this.pid = pid;
            this.parent = parent;
            this.executed = executed;
            this.executable = executable;
            this.argv = argv;
        }
    }

    /** Stands for every process beyond {@link #MAX_EXECUTIONS}: nothing it does is kept. */
    private final Builder overflow = new Builder(-1, -1, -1, false, null, List.of());

    private final Map<Integer, String> unfinished = new HashMap<>();
    private final Map<Integer, Builder> byPid = new HashMap<>();
    private final List<Builder> executions = new ArrayList<>();
    private final Set<String> failed = new LinkedHashSet<>();
    private final Map<String, Set<String>> foundByName = new HashMap<>();
    private final Set<String> opened = new TreeSet<>();
    private final Set<String> unresolved = new HashSet<>();
    /** Paths made (true) or renamed away (false), in trace order. */
    private final List<Map.Entry<String, Boolean>> writes = new ArrayList<>();
    private final Map<Integer, Integer> exits = new HashMap<>();
    /** The calls the sandbox refused, as strace printed them, each once. */
    private final Set<String> denied = new LinkedHashSet<>();
    private boolean started;
    private int calls;
    private int unparsed;
    private int dropped;
    private int kept;
    private int found;

    void line(String line) {
        Matcher u = UNFINISHED.matcher(line);
        if (u.matches()) {
            unfinished.put(Integer.parseInt(u.group(1)), u.group(2));
            if (started) {
                current(Integer.parseInt(u.group(1)));  // a process exists from its first call on, forks included
            }
            return;
        }
        Matcher r = RESUMED.matcher(line);
        String full = line;
        if (r.matches()) {
            String start = unfinished.remove(Integer.parseInt(r.group(1)));
            if (start == null) {
                unparsed++;
                return;
            }
            full = r.group(1) + " " + start + r.group(3);
        }
        Matcher c = CALL.matcher(full);
        if (!c.matches()) {
            Matcher ended = ENDED.matcher(line);
            if (ended.matches()) {
                int pid = Integer.parseInt(ended.group(1));
                byPid.remove(pid);
                if (exits.size() < MAX_PATHS || exits.containsKey(pid)) {
                    exits.put(pid, ended.group(2) != null ? Integer.parseInt(ended.group(2))
                            : 128 + SIGNALS.getOrDefault(ended.group(3), 0));
                }
            } else if (!line.contains("+++") && !line.contains("---")) {  // exits and signals are not calls
                unparsed++;
            }
            return;
        }
        int pid = Integer.parseInt(c.group(1));
        String name = c.group(2);
        String args = c.group(3);
        boolean succeeded = !c.group(4).startsWith("-") && !c.group(4).equals("?");
        if (!started) {
            // Before the program's execve everything is runc's init preparing the container.
            started = EXEC_CALLS.contains(name) && succeeded;
            if (!started) {
                return;
            }
        }
        if (DENIABLE.contains(name)) {
            // Traced only to show what the sandbox refused (EPERM); none of them is a use of a path (mount's source
            // and target are the container's own, and the call did not happen).
            if (c.group(4).equals("-1") && c.group(5).trim().startsWith("EPERM") && denied.size() < FileAccessTrace.DENIED_KEPT) {
                String shown = args.length() > DENIED_ARGS_KEPT ? args.substring(0, DENIED_ARGS_KEPT) + "..." : args;
                denied.add(name + "(" + shown + ") = -1 EPERM");
            }
            return;
        }
        if (FORK_CALLS.contains(name)) {
            if (succeeded) {
                // Inside a container the call returns the child's pid in the container's namespace; strace's
                // --pidns-translation adds the one its own lines use.
                Matcher host = HOST_PID.matcher(c.group(5));
                forked(pid, Integer.parseInt(host.find() ? host.group(1) : c.group(4)), args.contains("CLONE_THREAD"));
            }
            return;
        }
        if (LIST_CALLS.contains(name)) {
            Matcher dir = DIRFD.matcher(args);
            if (succeeded && dir.find() && dir.group(1).startsWith("/")) {
                calls++;
                used(pid, Paths.normalize(dir.group(1)), Access.LISTED);
            }
            return;
        }
        int quote = args.indexOf('"');
        if (quote < 0) {
            return;
        }
        Quoted quoted = unquote(args, quote);
        if (quoted == null) {
            unparsed++;
            return;
        }
        if (quoted.text().isEmpty()) {
            return;  // AT_EMPTY_PATH: a call on an open descriptor, no path looked up
        }
        String path = absolute(name, args, quoted.text());
        if (path == null) {
            bounded(unresolved, quoted.text());
            return;
        }
        calls++;
        if (!succeeded) {
            if (c.group(5).trim().startsWith("ENOENT")) {
                bounded(failed, path);
            }
            return;
        }
        if (found < MAX_PATHS && foundByName.computeIfAbsent(Paths.name(path), n -> new HashSet<>()).add(path)) {
            found++;
        }
        String after = args.substring(quoted.end());
        Access access = access(name, after);
        if (access == Access.EXECUTED) {
            executed(pid, path, argv(after));
        }
        if ((OPEN_CALLS.contains(name) || EXEC_CALLS.contains(name)) && access != Access.LISTED) {
            bounded(opened, path);
        }
        used(pid, path, access);
        if (RENAME_CALLS.contains(name)) {
            String target = secondPath(name, after);
            if (target != null) {
                made(path, false);
                made(target, true);
                used(pid, target, Access.WRITTEN);
            }
        } else if (REMOVE_CALLS.contains(name)) {
            made(path, false);  // deleted again: a temporary file, SQLite's rollback journal
        } else if (access == Access.WRITTEN) {
            made(path, true);
        }
    }

    /** The second path of a call that names two: {@code rename(old, new)}, {@code renameat(fd, old, fd, new)}. */
    private String secondPath(String name, String afterFirst) {
        int quote = afterFirst.indexOf('"');
        if (quote < 0) {
            return null;
        }
        Quoted second = unquote(afterFirst, quote);
        if (second == null || second.text().isEmpty()) {
            return null;
        }
        String path = absolute(name, afterFirst.replaceFirst("^\\s*,\\s*", ""), second.text());
        if (path == null) {
            bounded(unresolved, second.text());
        }
        return path;
    }

    private void made(String path, boolean made) {
        if (writes.size() < MAX_PATHS) {
            writes.add(Map.entry(path, made));
        } else {
            dropped++;
        }
    }

    private void bounded(Set<String> set, String path) {
        if (set.size() < MAX_PATHS || set.contains(path)) {
            set.add(path);
        } else {
            dropped++;
        }
    }

    FileAccessTrace finish() {
        Set<String> missing = new TreeSet<>();
        Map<String, String> ignored = new TreeMap<>();
        for (String path : failed) {
            String reason = ignoreReason(path);
            if (reason != null) {
                ignored.put(path, reason);
            } else {
                missing.add(path);
            }
        }
        // Number what is kept: not threads merged into their process, nor a process's empty start that nothing
        // linked to a parent (it only stands before an execve).
        Map<Builder, Integer> ids = new HashMap<>();
        List<Builder> kept = new ArrayList<>();
        for (Builder b : executions) {
            if (b.mergedInto == null && !(b.unlinked && !b.executed && b.paths.isEmpty())) {
                ids.put(b, kept.size());
                kept.add(b);
            }
        }
        List<Execution> out = new ArrayList<>();
        for (Builder b : kept) {
            Builder parent = b.parent < 0 ? null : executions.get(b.parent);
            while (parent != null && parent.mergedInto != null) {
                parent = parent.mergedInto;
            }
            int id = ids.get(b);
            Integer parentId = parent == null ? null : ids.get(parent);
            out.add(new Execution(id, b.pid, parentId != null && parentId < id ? parentId : -1, b.executed, b.executable,
                    b.argv == null ? List.of() : b.argv, new LinkedHashMap<>(b.paths)));
        }
        // A name the program renamed away or deleted even once is a temporary one, whatever came after: a writer
        // that makes "x.tmp" and renames it every second is often stopped between the two, and the trace then ends
        // with the temporary made but never renamed.
        Set<String> written = new TreeSet<>();
        Set<String> temporary = new HashSet<>();
        for (Map.Entry<String, Boolean> w : writes) {
            if (w.getValue()) {
                written.add(w.getKey());
            } else {
                temporary.add(w.getKey());
            }
        }
        written.removeAll(temporary);
        return new FileAccessTrace(missing, ignored, unresolved, opened, written, exits, out, calls, unparsed, dropped,
                List.copyOf(denied));
    }

    // --- processes

    /** The execution a pid runs now; one without a known start is made (its fork may come later in the output). */
    private Builder current(int pid) {
        Builder b = byPid.get(pid);
        if (b == null) {
            b = newExecution(pid, -1, false, null, null);
            if (b != overflow) {
                b.unlinked = true;
            }
            byPid.put(pid, b);
        }
        return b;
    }

    private Builder newExecution(int pid, int parent, boolean executed, String executable, List<String> argv) {
        if (executions.size() >= MAX_EXECUTIONS) {
            dropped++;
            return overflow;
        }
        Builder b = new Builder(executions.size(), pid, parent, executed, executable, argv);
        executions.add(b);
        return b;
    }

    private void executed(int pid, String path, List<String> argv) {
        // The process's execution before the execve (made now if this is its first call: its fork may come later),
        // except for the very first program, which runc's init executed.
        Builder before = executions.isEmpty() ? null : current(pid);
        byPid.put(pid, newExecution(pid, before == null || before == overflow ? -1 : before.id, true, path, argv));
    }

    private void forked(int parentPid, int childPid, boolean thread) {
        Builder creator = current(parentPid);
        Builder child = byPid.get(childPid);
        if (thread) {
            if (child != null && child.unlinked && child != creator && creator != overflow) {
                // The thread's first calls came before its clone returned: they are its process's.
                child.paths.forEach((path, how) -> creator.paths.computeIfAbsent(path, p -> EnumSet.noneOf(Access.class))
                        .addAll(how));
                child.mergedInto = creator;
                child.unlinked = false;
            }
            if (child == null || child.mergedInto != null) {
                byPid.put(childPid, creator);
            }
            return;
        }
        if (child == null) {
            byPid.put(childPid, newExecution(childPid, creator.id, false, creator.executable, creator.argv));
            return;
        }
        // The child's calls came first: link the execution it started in (and everything after it stays linked).
        Builder first = child;
        while (first.parent >= 0 && first.executed && executions.get(first.parent).pid == childPid) {
            first = executions.get(first.parent);
        }
        if (first.unlinked && creator != overflow) {
            first.parent = creator.id < first.id ? creator.id : -1;
            first.executable = creator.executable;
            first.argv = creator.argv;
            first.unlinked = false;
        }
    }

    private void used(int pid, String path, Access access) {
        Builder b = current(pid);
        if (b == overflow) {
            dropped++;
            return;
        }
        EnumSet<Access> how = b.paths.get(path);
        if (how != null) {
            how.add(access);
        } else if (kept < MAX_PATHS) {
            b.paths.put(path, EnumSet.of(access));
            kept++;
        } else {
            dropped++;
        }
    }

    // --- calls

    private static Access access(String name, String afterPath) {
        if (EXEC_CALLS.contains(name)) {
            return Access.EXECUTED;
        }
        if (RENAME_CALLS.contains(name) || MKDIR_CALLS.contains(name) || REMOVE_CALLS.contains(name)) {
            return Access.WRITTEN;  // renamed away, made or deleted
        }
        if (!OPEN_CALLS.contains(name)) {
            return Access.LOOKED_UP;
        }
        if (name.equals("creat")) {
            return Access.WRITTEN;
        }
        // The flags are the next argument (openat2: inside its struct).
        Matcher flag = FLAG.matcher(afterPath);
        boolean writes = false;
        while (flag.find()) {
            if (flag.group().equals("O_DIRECTORY")) {
                return Access.LISTED;
            }
            writes |= WRITE_FLAGS.contains(flag.group());
        }
        return writes ? Access.WRITTEN : Access.READ;
    }

    /** The argv strace printed after an execve's path: {@code , ["node", "server.js"], 0x... }. */
    private static List<String> argv(String afterPath) {
        int open = afterPath.indexOf('[');
        List<String> argv = new ArrayList<>();
        if (open < 0) {
            return argv;
        }
        for (int i = open + 1; i < afterPath.length(); i++) {
            char ch = afterPath.charAt(i);
            if (ch == ']' || ch == '.') {  // the end, or "..." where strace abbreviated
                break;
            }
            if (ch == '"') {
                Quoted word = unquote(afterPath, i);
                if (word == null) {
                    break;
                }
                argv.add(word.text());
                i = word.end() - 1;
            }
        }
        return argv;
    }

    private static String absolute(String name, String args, String path) {
        if (path.startsWith("/")) {
            return Paths.normalize(path);
        }
        if (AT_CALLS.contains(name)) {
            Matcher dir = DIRFD.matcher(args);
            if (dir.find() && dir.group(1).startsWith("/")) {
                return Paths.normalize(dir.group(1) + "/" + path);
            }
        }
        return null;
    }

    private String ignoreReason(String path) {
        if (LOADER_FILES.contains(path)) {
            return "checked by glibc's loader in every program";
        }
        String[] parts = path.substring(1).split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            if (HWCAP_DIRECTORIES.contains(parts[i])) {
                return "loader hardware-capability probe (" + parts[i] + ")";
            }
        }
        for (String other : new TreeSet<>(foundByName.getOrDefault(Paths.name(path), Set.of()))) {
            if (!other.equals(path)) {
                return "search miss: found as " + other;
            }
        }
        return null;
    }

    /** A C string strace printed, with its escapes undone, and the index just after its closing quote. */
    record Quoted(String text, int end) {
    }

    /** The C string strace printed from {@code open}, with its escapes undone; null when it does not end. */
    static Quoted unquote(String text, int open) {
        StringBuilder out = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = open + 1; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '"') {
                flush(bytes, out);
                return new Quoted(out.toString(), i + 1);
            }
            if (ch != '\\' || i + 1 >= text.length()) {
                flush(bytes, out);
                out.append(ch);
                continue;
            }
            char next = text.charAt(++i);
            switch (next) {
                case 'x':
                    if (i + 2 >= text.length()) {
                        return null;
                    }
                    bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                    i += 2;
                    break;
                case 'n':
                    bytes.write('\n');
                    break;
                case 't':
                    bytes.write('\t');
                    break;
                case 'r':
                    bytes.write('\r');
                    break;
                case 'v':
                    bytes.write(0x0b);
                    break;
                case 'f':
                    bytes.write('\f');
                    break;
                default:
                    if (next >= '0' && next <= '7') {
                        int end = i;
                        while (end < text.length() && end < i + 3 && text.charAt(end) >= '0' && text.charAt(end) <= '7') {
                            end++;
                        }
                        bytes.write(Integer.parseInt(text.substring(i, end), 8));
                        i = end - 1;
                    } else {
                        flush(bytes, out);
                        out.append(next);  // \" and \\
                    }
            }
        }
        return null;
    }

    private static void flush(ByteArrayOutputStream bytes, StringBuilder out) {
        if (bytes.size() > 0) {
            out.append(bytes.toString(StandardCharsets.UTF_8));
            bytes.reset();
        }
    }
}
