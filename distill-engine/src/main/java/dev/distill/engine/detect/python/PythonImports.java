package dev.distill.engine.detect.python;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The modules a Python program can import, found statically: every {@code import} and {@code from ... import}
 * statement of the code it runs (inside functions and {@code try} blocks too, so the answer errs on the side of
 * carrying), {@code __import__("x")} and {@code importlib.import_module("x")} with a literal name, resolved along
 * {@code sys.path} as Python's path finder resolves them, module by module (importing {@code a.b} runs
 * {@code a/__init__.py} and {@code a/b.py}, and both are scanned in turn). What is carried is decided per top-level
 * module: a package reached through any of its modules is carried whole, since code inside it may import its
 * siblings by computed names; what those siblings import is found by the verifier's trace if it runs.
 */
final class PythonImports {

    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(.+)$");
    private static final Pattern FROM = Pattern.compile("^\\s*from\\s+(\\.*)([A-Za-z_][\\w.]*)?\\s+import\\s+(.+)$");
    private static final Pattern DYNAMIC = Pattern.compile(
            "(?:__import__|import_module)\\(\\s*[rbuRBU]?['\"]([A-Za-z_][\\w.]*)['\"]");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][\\w]*(\\.[A-Za-z_][\\w]*)*");
    /** Files read per pass over the image; a pass reads every layer once. */
    private static final int BATCH = 4096;
    private static final int MAX_MODULES = 20_000;

    /** Where a top-level module was found. */
    enum Form { SOURCE, PACKAGE, NATIVE, NAMESPACE }

    /**
     * A top-level module found on the path.
     *
     * @param entry the {@code sys.path} entry it was found in
     * @param path the file ({@code .py}, {@code .so}) or the package directory
     */
    record Module(String name, String entry, String path, Form form) {
    }

    private final DetectionContext ctx;
    private final List<String> searchPath;
    private final String soabi;
    private final Map<String, Set<String>> listings = new HashMap<>();
    private final Map<String, Module> reached = new LinkedHashMap<>();
    private final Map<String, String> firstImporter = new LinkedHashMap<>();
    private final Set<String> scanned = new LinkedHashSet<>();
    private final Set<String> unreadable = new LinkedHashSet<>();
    private final Map<String, String> lazilyLeftOut = new LinkedHashMap<>();

    /**
     * Development tools of Python's own (documentation, testing, debugging, profiling, packaging, the interactive
     * console): a service needs them only when its code imports them as it loads, never because a function somewhere
     * could ({@code help()} imports pydoc, {@code site} imports rlcompleter for the interactive prompt).
     */
    static final Set<String> DEVELOPMENT = Set.of("pydoc", "pydoc_data", "doctest", "pdb", "bdb", "unittest", "test",
            "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3", "ensurepip", "venv", "distutils", "setuptools",
            "pkg_resources", "pip", "profile", "cProfile", "pstats", "trace", "timeit", "tabnanny", "pyclbr", "code",
            "codeop", "rlcompleter", "readline", "_distutils_hack");

    /**
     * @param searchPath {@code sys.path} in order
     * @param soabi the interpreter's extension-module tag ({@code cpython-311-x86_64-linux-gnu})
     */
    PythonImports(DetectionContext ctx, List<String> searchPath, String soabi) {
        this.ctx = ctx;
        this.searchPath = List.copyOf(searchPath);
        this.soabi = soabi;
    }

    /** The top-level modules reached, in the order they were first reached. */
    Map<String, Module> reached() {
        return reached;
    }

    /** Who first imported each top-level module (a file path, or what started the walk). */
    Map<String, String> firstImporter() {
        return firstImporter;
    }

    /** Development tools imported only lazily (inside a function, as a fallback), left out, with who imports them. */
    Map<String, String> lazilyLeftOut() {
        return lazilyLeftOut;
    }

    /** Files that were meant to be scanned but could not be read (too large for the analysis, or unreadable). */
    Set<String> unreadable() {
        return unreadable;
    }

    /** Reaches the given modules, as imported by {@code why}. */
    void reach(Iterable<String> modules, String why) {
        Deque<String> files = new ArrayDeque<>();
        for (String m : modules) {
            add(m, why, true, files);
        }
        drain(files);
    }

    /** Reaches a package and every module in it (a directory the program loads modules from by computed names). */
    void reachAll(String top, String why) {
        Deque<String> files = new ArrayDeque<>();
        add(top, why, true, files);
        Module m = reached.get(top);
        if (m != null && (m.form() == Form.PACKAGE || m.form() == Form.NAMESPACE)) {
            files.addAll(sourcesUnder(m.path()));
        }
        drain(files);
    }

    /** Scans these files (the application's, a script) and reaches what they import. */
    void scan(Iterable<String> files) {
        Deque<String> queue = new ArrayDeque<>();
        files.forEach(queue::add);
        drain(queue);
    }

    /** Scans Python code given as text (a {@code -c} argument, a {@code .pth} import line), which runs as it is. */
    void scanText(String code, String why) {
        Deque<String> files = new ArrayDeque<>();
        imports(code, "").forEach((m, eager) -> add(m, why, true, files));
        drain(files);
    }

    private void drain(Deque<String> queue) {
        while (!queue.isEmpty() && reached.size() < MAX_MODULES) {
            List<String> batch = new ArrayList<>();
            while (!queue.isEmpty() && batch.size() < BATCH) {
                String f = queue.poll();
                if (scanned.add(f)) {
                    batch.add(f);
                }
            }
            if (batch.isEmpty()) {
                continue;
            }
            Map<String, String> texts = ctx.readTexts(batch, DetectionContext.TEXT_LIMIT);
            for (String file : batch) {
                String text = texts.get(file);
                if (text == null) {
                    unreadable.add(file);
                    continue;
                }
                imports(text, packageOf(file)).forEach((m, eager) -> add(m, file, eager, queue));
            }
        }
    }

    /**
     * Reaches a dotted module: its top level is carried; the source of the module and of every package on the way to
     * it is queued for scanning. A name that is not a module ({@code from pkg import function}) finds nothing more.
     */
    private void add(String dotted, String importer, boolean eager, Deque<String> queue) {
        String[] parts = dotted.split("\\.");
        String top = parts[0];
        if (top.isEmpty()) {
            return;
        }
        if (!eager && DEVELOPMENT.contains(top) && !reached.containsKey(top)) {
            lazilyLeftOut.putIfAbsent(top, importer);
            return;
        }
        Module m = reached.get(top);
        if (m == null) {
            Optional<Module> found = find(top);
            if (found.isEmpty()) {
                return;  // built into the interpreter, or an optional import that is absent: nothing to carry
            }
            m = found.get();
            reached.put(top, m);
            firstImporter.put(top, importer);
        }
        switch (m.form()) {
            case SOURCE -> queue.add(m.path());
            case PACKAGE, NAMESPACE -> {
                String dir = m.path();
                addIfSource(Paths.join(dir, "__init__.py"), queue);
                for (int i = 1; i < parts.length; i++) {
                    Set<String> names = listing(dir);
                    String sub = Paths.join(dir, parts[i]);
                    if (names.contains(parts[i]) && ctx.isDirectory(sub)) {
                        addIfSource(Paths.join(sub, "__init__.py"), queue);
                        dir = sub;
                    } else {
                        if (names.contains(parts[i] + ".py")) {
                            queue.add(Paths.join(dir, parts[i] + ".py"));
                        }
                        break;
                    }
                }
            }
            default -> { }
        }
    }

    private void addIfSource(String file, Deque<String> queue) {
        if (listing(Paths.parent(file)).contains(Paths.name(file))) {
            queue.add(file);
        }
    }

    /** Finds a top-level module along the search path, as the path finder does (a regular package before a namespace). */
    Optional<Module> find(String top) {
        Module namespace = null;
        for (String entry : searchPath) {
            Set<String> names = listing(entry);
            if (names.isEmpty()) {
                continue;
            }
            if (names.contains(top) && ctx.isDirectory(Paths.join(entry, top))) {
                String dir = Paths.join(entry, top);
                if (listing(dir).contains("__init__.py")) {
                    return Optional.of(new Module(top, entry, dir, Form.PACKAGE));
                }
            }
            for (String suffix : nativeSuffixes()) {
                if (names.contains(top + suffix)) {
                    return Optional.of(new Module(top, entry, Paths.join(entry, top + suffix), Form.NATIVE));
                }
            }
            if (names.contains(top + ".py")) {
                return Optional.of(new Module(top, entry, Paths.join(entry, top + ".py"), Form.SOURCE));
            }
            if (namespace == null && names.contains(top) && ctx.isDirectory(Paths.join(entry, top))) {
                namespace = new Module(top, entry, Paths.join(entry, top), Form.NAMESPACE);
            }
        }
        return Optional.ofNullable(namespace);
    }

    private List<String> nativeSuffixes() {
        return List.of("." + soabi + ".so", ".abi3.so", ".so");
    }

    /** Every {@code .py} file below a directory. */
    List<String> sourcesUnder(String dir) {
        String prefix = dir + "/";
        return ctx.fs().entries().filter(e -> e.isRegular() && e.path().startsWith(prefix) && e.path().endsWith(".py"))
                .map(FileEntry::path).sorted().toList();
    }

    /** Every extension module ({@code .so}) below a directory. */
    List<String> nativeUnder(String dir) {
        String prefix = dir + "/";
        return ctx.fs().entries().filter(e -> e.isRegular() && e.path().startsWith(prefix) && e.path().endsWith(".so"))
                .map(FileEntry::path).sorted().toList();
    }

    private Set<String> listing(String dir) {
        return listings.computeIfAbsent(dir, d -> {
            Optional<FileEntry> e = ctx.resolve(d);
            if (e.isEmpty() || !e.get().isDirectory()) {
                return Set.of();
            }
            Set<String> names = new LinkedHashSet<>();
            ctx.list(e.get().path()).forEach(f -> names.add(Paths.name(f.path())));
            return names;
        });
    }

    /**
     * The package a file's relative imports start from: its directory, named as the search path sees it (a top-level
     * module's package is {@code ""}).
     */
    private String packageOf(String file) {
        String dir = Paths.parent(file);
        for (String entry : searchPath) {
            String prefix = entry.equals("/") ? "/" : entry + "/";
            if (dir.startsWith(prefix)) {
                return dir.substring(prefix.length()).replace('/', '.');
            }
        }
        return "";
    }

    /**
     * The absolute module names one file's code imports, each with whether it is imported eagerly: at the module's
     * top level, where importing the module runs it (class bodies and {@code try} and {@code if} blocks included), as
     * opposed to inside a function, an {@code except} block (a fallback) or an {@code if __name__ == "__main__"} block.
     * Line based: a statement continued with a backslash or inside parentheses is joined first; names in string
     * literals and comments count only for the dynamic forms, which are taken as lazy.
     */
    static Map<String, Boolean> imports(String code, String pkg) {
        Map<String, Boolean> out = new LinkedHashMap<>();
        Matcher dyn = DYNAMIC.matcher(code);
        while (dyn.find()) {
            out.putIfAbsent(dyn.group(1), false);
        }
        String[] lines = code.split("\r?\n", -1);
        Deque<Integer> lazyBlocks = new ArrayDeque<>();
        for (int i = 0; i < lines.length; i++) {
            String line = stripComment(lines[i]);
            if (line.isBlank()) {
                continue;
            }
            int indent = indentOf(line);
            while (!lazyBlocks.isEmpty() && lazyBlocks.peek() >= indent) {
                lazyBlocks.pop();
            }
            boolean lazy = !lazyBlocks.isEmpty();
            if (LAZY_BLOCK.matcher(line).lookingAt()) {
                lazyBlocks.push(indent);
            }
            if (!line.contains("import")) {
                continue;
            }
            StringBuilder stmt = new StringBuilder(line);
            int open = count(line, '(') - count(line, ')');
            while ((open > 0 || stmt.toString().endsWith("\\")) && i + 1 < lines.length) {
                if (stmt.toString().endsWith("\\")) {
                    stmt.setLength(stmt.length() - 1);
                }
                String next = stripComment(lines[++i]);
                open += count(next, '(') - count(next, ')');
                stmt.append(' ').append(next);
            }
            Set<String> names = new LinkedHashSet<>();
            for (String part : stmt.toString().split(";")) {
                statement(part, pkg, names);
            }
            for (String n : names) {
                out.merge(n, !lazy, Boolean::logicalOr);
            }
        }
        return out;
    }

    /** Blocks whose body does not run when the module is imported: functions, fallbacks, the main-script guard. */
    private static final Pattern LAZY_BLOCK = Pattern.compile(
            "\\s*(?:(?:async\\s+)?def\\s|except\\b|if\\s+__name__\\s*==\\s*['\"]__main__['\"])");

    private static int indentOf(String line) {
        int n = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == ' ') {
                n++;
            } else if (c == '\t') {
                n = (n / 8 + 1) * 8;
            } else {
                break;
            }
        }
        return n;
    }

    private static void statement(String s, String pkg, Set<String> out) {
        Matcher from = FROM.matcher(s);
        if (from.matches()) {
            int dots = from.group(1).length();
            String module = from.group(2) == null ? "" : from.group(2);
            String base;
            if (dots == 0) {
                base = module;
            } else {
                String[] parts = pkg.isEmpty() ? new String[0] : pkg.split("\\.");
                int keep = parts.length - (dots - 1);
                if (keep < 0) {
                    return;
                }
                base = String.join(".", java.util.Arrays.copyOf(parts, keep));
                if (!module.isEmpty()) {
                    base = base.isEmpty() ? module : base + "." + module;
                }
            }
            if (base.isEmpty()) {
                return;
            }
            out.add(base);
            for (String name : from.group(3).replace("(", " ").replace(")", " ").split(",")) {
                String n = name.strip().split("\\s+")[0];
                if (NAME.matcher(n).matches() && !n.equals("*")) {
                    out.add(base + "." + n);  // may be a submodule; a name that is not simply finds nothing more
                }
            }
            return;
        }
        Matcher imp = IMPORT.matcher(s);
        if (imp.matches()) {
            for (String name : imp.group(1).split(",")) {
                String n = name.strip().split("\\s+")[0];
                if (NAME.matcher(n).matches()) {
                    out.add(n);
                }
            }
        }
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return (hash >= 0 ? line.substring(0, hash) : line).stripTrailing();
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
