package dev.distill.engine.runtime.trace;

import dev.distill.engine.fs.Paths;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files a traced program looked for and did not find, and those it opened, read from {@code strace -f -y}
 * output (one line per system call, prefixed with the pid; {@code -y} shows the directory a relative path starts
 * from, as in {@code openat(AT_FDCWD</etc>, "x.conf", ...)}).
 *
 * <p>A path counts as <em>missing</em> when a file system call on it failed with {@code ENOENT}, except:
 * <ul>
 *   <li>calls before the first successful {@code execve}: that is runc's own init preparing the container;</li>
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
 * {@code execve} or {@code execveat} on it succeeded after the first successful {@code execve}, except opens with
 * {@code O_DIRECTORY}: the files whose content the program used, as it named them (a symlink is not followed here;
 * the caller resolves paths in the image, where it also tells regular files from {@code /dev} and {@code /proc}).
 *
 * <p>A path counts as <em>written</em> when the program made it: a successful open for writing ({@code O_WRONLY},
 * {@code O_RDWR}, {@code O_CREAT}, {@code creat}), the target of a successful {@code rename}, or a directory it made
 * ({@code mkdir}); a path it then renamed away or deleted ({@code unlink}, {@code rmdir}) is not (a temporary file,
 * SQLite's rollback journal). What a worker does, as files.
 *
 * @param exits how each traced process ended, by pid: its exit code, or 128 + the number of the signal that killed it
 */
public record FileAccessTrace(Set<String> missing, Map<String, String> ignored, Set<String> unresolved, Set<String> opened,
        Set<String> written, Map<Integer, Integer> exits, int calls, int unparsed) {

    /** The system calls to trace: every way a program opens, executes, tests or follows a path. */
    public static final List<String> SYSCALLS = List.of("open", "openat", "openat2", "creat", "stat", "lstat", "newfstatat",
            "statx", "access", "faccessat", "faccessat2", "execve", "execveat", "readlink", "readlinkat", "chdir", "rename",
            "renameat", "renameat2", "mkdir", "mkdirat", "unlink", "unlinkat", "rmdir");

    // Calls whose first argument is a directory fd, the path being the second.
    private static final Set<String> AT_CALLS = Set.of("openat", "openat2", "newfstatat", "statx", "faccessat", "faccessat2",
            "execveat", "readlinkat", "renameat", "renameat2", "mkdirat", "unlinkat");
    private static final Set<String> HWCAP_DIRECTORIES = Set.of("glibc-hwcaps", "tls", "haswell", "x86_64", "avx512_1",
            "i686", "i586", "sse2", "xeon_phi", "aarch64", "atomics", "asimd");
    // Calls that give the program a file's content (or run it), as opposed to testing or following a path.
    private static final Set<String> OPEN_CALLS = Set.of("open", "openat", "openat2", "creat", "execve", "execveat");
    private static final Set<String> LOADER_FILES = Set.of("/etc/ld.so.preload", "/etc/ld.so.nohwcap");
    private static final Set<String> RENAME_CALLS = Set.of("rename", "renameat", "renameat2");
    private static final Set<String> MKDIR_CALLS = Set.of("mkdir", "mkdirat");
    private static final Set<String> REMOVE_CALLS = Set.of("unlink", "unlinkat", "rmdir");
    private static final Pattern WRITE_FLAGS = Pattern.compile("\\b(O_WRONLY|O_RDWR|O_CREAT)\\b");
    private static final Pattern EXITED = Pattern.compile("^(\\d+)\\s+\\+\\+\\+ (?:exited with (\\d+)|killed by SIG([A-Z0-9]+)).*");
    /** Signal numbers on x86-64 and arm64 Linux, for a process killed by one. */
    private static final Map<String, Integer> SIGNALS = Map.ofEntries(Map.entry("HUP", 1), Map.entry("INT", 2),
            Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12),
            Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("SYS", 31));
    private static final Pattern CALL = Pattern.compile("^(\\d+)\\s+(\\w+)\\((.*)\\)\\s+=\\s+(-?\\d+|\\?)(.*)$");
    private static final Pattern RESUMED = Pattern.compile("^(\\d+)\\s+<\\.\\.\\. (\\w+) resumed>(.*)$");
    private static final Pattern UNFINISHED = Pattern.compile("^(\\d+)\\s+(.*) <unfinished \\.\\.\\.>$");
    private static final Pattern DIRFD = Pattern.compile("^[^<,]*<([^>]*)>");

    public FileAccessTrace {
        missing = Collections.unmodifiableSortedSet(new TreeSet<>(missing));
        ignored = Collections.unmodifiableSortedMap(new TreeMap<>(ignored));
        unresolved = Collections.unmodifiableSortedSet(new TreeSet<>(unresolved));
        opened = Collections.unmodifiableSortedSet(new TreeSet<>(opened));
        written = Collections.unmodifiableSortedSet(new TreeSet<>(written));
        exits = Collections.unmodifiableSortedMap(new TreeMap<>(exits));
        if (calls < 0 || unparsed < 0) {
            throw new IllegalArgumentException("call and line counts must not be negative, got " + calls + ", " + unparsed);
        }
    }

    /** Parses strace output (read line by line; the whole trace is never held in memory). */
    public static FileAccessTrace parse(Reader strace) throws IOException {
        Parser parser = new Parser();
        BufferedReader lines = new BufferedReader(strace);
        for (String line; (line = lines.readLine()) != null; ) {
            parser.line(line);
        }
        return parser.finish();
    }

    private record Call(String name, String path, boolean failedEnoent, boolean succeeded, boolean opened) {
    }

    /** A path made ({@code made}) or renamed away (not made), in trace order. */
    private record Write(String path, boolean made) {
    }

    private static final class Parser {
        private final Map<String, String> unfinished = new HashMap<>();
        private final List<Call> calls = new ArrayList<>();
        private final Set<String> unresolved = new HashSet<>();
        private final List<Write> writes = new ArrayList<>();
        private final Map<Integer, Integer> exits = new HashMap<>();
        private boolean executed;
        private int unparsed;

        void line(String line) {
            Matcher u = UNFINISHED.matcher(line);
            if (u.matches()) {
                unfinished.put(u.group(1), u.group(2));
                return;
            }
            Matcher r = RESUMED.matcher(line);
            String full = line;
            if (r.matches()) {
                String start = unfinished.remove(r.group(1));
                if (start == null) {
                    unparsed++;
                    return;
                }
                full = r.group(1) + " " + start + r.group(3);
            }
            Matcher c = CALL.matcher(full);
            if (!c.matches()) {
                Matcher exit = EXITED.matcher(line);
                if (exit.matches()) {
                    exits.put(Integer.parseInt(exit.group(1)), exit.group(2) != null ? Integer.parseInt(exit.group(2))
                            : 128 + SIGNALS.getOrDefault(exit.group(3), 0));
                } else if (!line.contains("+++") && !line.contains("---")) {  // signals are not calls
                    unparsed++;
                }
                return;
            }
            String name = c.group(2);
            boolean succeeded = !c.group(4).startsWith("-") && !c.group(4).equals("?");
            if (!executed) {
                executed = (name.equals("execve") || name.equals("execveat")) && succeeded;
                if (!executed) {
                    return;
                }
            }
            String path = path(name, c.group(3));
            if (path == null) {
                return;
            }
            boolean opened = succeeded && OPEN_CALLS.contains(name) && !c.group(3).contains("O_DIRECTORY");
            calls.add(new Call(name, path, c.group(5).trim().startsWith("ENOENT"), succeeded, opened));
            if (succeeded && (name.equals("creat") || OPEN_CALLS.contains(name) && WRITE_FLAGS.matcher(c.group(3)).find()
                    || MKDIR_CALLS.contains(name))) {
                writes.add(new Write(path, true));
            }
            if (succeeded && REMOVE_CALLS.contains(name)) {
                writes.add(new Write(path, false));
            }
            if (succeeded && RENAME_CALLS.contains(name)) {
                String target = secondPath(name, c.group(3));
                if (target != null) {
                    writes.add(new Write(path, false));
                    writes.add(new Write(target, true));
                }
            }
        }

        /** The second path of a call that names two ({@code rename(old, new)}, {@code renameat(fd, old, fd, new)}). */
        private String secondPath(String name, String args) {
            int first = args.indexOf('"');
            if (first < 0) {
                return null;
            }
            String old = unquote(args, first);
            if (old == null) {
                return null;
            }
            int end = first + 1;
            // Past the first string: its closing quote is the first unescaped one after it.
            for (boolean escaped = false; end < args.length(); end++) {
                char ch = args.charAt(end);
                if (ch == '"' && !escaped) {
                    break;
                }
                escaped = ch == '\\' && !escaped;
            }
            String rest = args.substring(end + 1).replaceFirst("^\\s*,\\s*", "");
            return path(name, rest);
        }

        private String path(String name, String args) {
            int quote = args.indexOf('"');
            if (quote < 0) {
                return null;
            }
            String path = unquote(args, quote);
            if (path == null) {
                unparsed++;
                return null;
            }
            if (path.startsWith("/")) {
                return normalize(path);
            }
            if (AT_CALLS.contains(name)) {
                Matcher dir = DIRFD.matcher(args);
                if (dir.find() && dir.group(1).startsWith("/")) {
                    return normalize(dir.group(1) + "/" + path);
                }
            }
            unresolved.add(path);
            return null;
        }

        FileAccessTrace finish() {
            Map<String, Set<String>> foundByName = new HashMap<>();
            for (Call call : calls) {
                if (call.succeeded()) {
                    foundByName.computeIfAbsent(name(call.path()), n -> new TreeSet<>()).add(call.path());
                }
            }
            Set<String> missing = new TreeSet<>();
            Map<String, String> ignored = new TreeMap<>();
            Set<String> opened = new TreeSet<>();
            for (Call call : calls) {
                if (call.opened()) {
                    opened.add(call.path());
                }
                if (!call.failedEnoent()) {
                    continue;
                }
                String reason = ignoreReason(call.path(), foundByName);
                if (reason != null) {
                    ignored.put(call.path(), reason);
                } else {
                    missing.add(call.path());
                }
            }
            Set<String> written = new TreeSet<>();
            for (Write w : writes) {
                if (w.made()) {
                    written.add(w.path());
                } else {
                    written.remove(w.path());
                }
            }
            return new FileAccessTrace(missing, ignored, unresolved, opened, written, exits, calls.size(), unparsed);
        }

        private static String ignoreReason(String path, Map<String, Set<String>> foundByName) {
            if (LOADER_FILES.contains(path)) {
                return "checked by glibc's loader in every program";
            }
            String[] parts = path.substring(1).split("/");
            for (int i = 0; i < parts.length - 1; i++) {
                if (HWCAP_DIRECTORIES.contains(parts[i])) {
                    return "loader hardware-capability probe (" + parts[i] + ")";
                }
            }
            Set<String> found = foundByName.getOrDefault(name(path), Set.of());
            for (String other : found) {
                if (!other.equals(path)) {
                    return "search miss: found as " + other;
                }
            }
            return null;
        }
    }

    private static String name(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private static String normalize(String path) {
        return Paths.normalize(path);
    }

    /** The C string strace printed from {@code open}, with its escapes undone; null when it does not end. */
    static String unquote(String text, int open) {
        StringBuilder out = new StringBuilder();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = open + 1; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch == '"') {
                flush(bytes, out);
                return out.toString();
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
