package dev.distill.engine.detect.python;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CPython interpreter running a program: the interpreter's standard library of its version and the
 * {@code site-packages}/{@code dist-packages} directories on its {@code sys.path} (a virtual environment's included),
 * narrowed to the top-level modules the program can import (its script, its {@code -m} module or {@code -c} code, the
 * {@code .py} files of its application directory, what {@code site} and the {@code .pth} files import at start, a
 * setuptools entry-point script's target), with the extension modules among them (their ELF closures ride along),
 * the packages' metadata ({@code importlib.metadata} reads it) and the application directory. What it leaves out is
 * said, with how many modules it kept and why.
 */
public final class PythonProgram implements ProgramKind {

    /** {@code python}, {@code python3}, {@code python3.11}. */
    private static final Pattern INTERPRETER = Pattern.compile("python(\\d+(\\.\\d+)?)?");
    private static final Pattern VERSION = Pattern.compile("python(\\d+\\.\\d+)");
    /** setuptools' entry-point scripts: {@code # EASY-INSTALL-ENTRY-SCRIPT: 'gunicorn==20.1.0','console_scripts','gunicorn'}. */
    private static final Pattern ENTRY_SCRIPT = Pattern.compile(
            "EASY-INSTALL-ENTRY-SCRIPT:\\s*'([^'=]+)(?:==[^']*)?'\\s*,\\s*'([^']+)'\\s*,\\s*'([^']+)'");
    /** Options of the interpreter that take a value (python --help). */
    private static final Set<String> WITH_VALUE = Set.of("-W", "-X", "--check-hash-based-pycs");
    /** What the interpreter imports at start ({@code site} imports the customize modules by name when they exist). */
    private static final List<String> STARTUP = List.of("site", "sitecustomize", "usercustomize");
    private static final int SHOWN = 12;

    @Override
    public String name() {
        return "python";
    }

    @Override
    public boolean reads(String path) {
        return path.endsWith(".py") || path.endsWith(".pth") || path.endsWith("/entry_points.txt")
                || path.endsWith("/pyvenv.cfg");
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!INTERPRETER.matcher(launch.executableName()).matches()) {
            return Optional.empty();
        }
        ProgramProfile.Builder profile = ProgramProfile.builder(name());
        Layout layout = layout(launch, ctx, profile);
        if (layout == null) {
            return Optional.of(profile.build());
        }
        Invocation inv = invocation(launch);
        List<String> searchPath = searchPath(launch, ctx, layout, inv);
        PythonImports imports = new PythonImports(ctx, searchPath, layout.soabi());

        // What the interpreter runs at start: site (unless -S) and what the .pth files of the site directories import.
        List<String> pthFiles = new ArrayList<>();
        if (inv.noSite()) {
            imports.reachAll("encodings", "the interpreter's start (codecs are found by name)");
        } else {
            imports.reach(STARTUP, "the interpreter's start (site)");
            // Codecs are looked up by name, any of them, at any time: the whole encodings package.
            imports.reachAll("encodings", "the interpreter's start (codecs are found by name)");
            for (String dir : layout.siteDirs()) {
                for (FileEntry e : ctx.list(dir)) {
                    if (e.path().endsWith(".pth")) {
                        pthFiles.add(e.path());
                    }
                }
            }
            Map<String, String> pth = ctx.readTexts(pthFiles, DetectionContext.TEXT_LIMIT);
            pth.forEach((file, text) -> text.lines().filter(l -> l.startsWith("import ") || l.startsWith("import\t"))
                    .forEach(l -> imports.scanText(l, file)));
        }
        // The program: its script (and, for a setuptools entry-point script, the function it names), -m, -c.
        Set<String> appDirs = new LinkedHashSet<>();
        if (!inv.script().isEmpty()) {
            String script = launch.absolute(inv.script());
            if (ctx.resolve(script).isEmpty()) {
                profile.note(Finding.Kind.BLOCKER, script, 0, "python runs the script " + inv.script() + ", which is not in the image");
            } else {
                profile.file(script, "the Python script the program runs");
                imports.scan(List.of(script));
                entryPoint(ctx, script, layout, imports);
                String dir = Paths.parent(script);
                if (!Launch.isSystemDirectory(dir) && !isSiteDir(dir, layout)) {
                    appDirs.add(dir);
                }
            }
        }
        if (!inv.module().isEmpty()) {
            imports.reach(List.of(inv.module()), "python -m " + inv.module());
        }
        if (!inv.code().isEmpty()) {
            imports.scanText(inv.code(), "python -c");
        }
        // The application directory: where a WSGI server, -m or a relative import looks for the application's modules.
        if (!Launch.isSystemDirectory(launch.workingDir()) && !isSiteDir(launch.workingDir(), layout)) {
            appDirs.add(launch.workingDir());
        }
        for (String dir : appDirs) {
            profile.application(dir, "the Python application (its directory: its modules, templates and data)",
                    layout.siteDirs().stream().filter(s -> s.startsWith(dir + "/")).toList());
            imports.scan(imports.sourcesUnder(dir).stream().filter(f -> layout.siteDirs().stream()
                    .noneMatch(s -> f.startsWith(s + "/"))).toList());
        }

        carry(ctx, profile, layout, imports, pthFiles);
        List<String> lazy = imports.lazilyLeftOut().keySet().stream()
                .filter(n -> !imports.reached().containsKey(n)).sorted().toList();
        if (!lazy.isEmpty()) {
            profile.note(Finding.Kind.INFO, layout.stdlib(), 0, "python: left out development tools the code imports only"
                    + " inside functions or as fallbacks, never as it loads: " + lazy.stream().map(n -> n + " (by "
                    + imports.lazilyLeftOut().get(n) + ")").limit(SHOWN).toList());
        }
        if (!imports.unreadable().isEmpty()) {
            profile.note(Finding.Kind.WARNING, imports.unreadable().iterator().next(), 0, "python: "
                    + imports.unreadable().size() + " source files could not be read for their imports ("
                    + shown(new ArrayList<>(imports.unreadable())) + "); what they import may be missing");
        }
        return Optional.of(profile.build());
    }

    /**
     * Where the interpreter's things are.
     *
     * @param prefix {@code sys.prefix}: a virtual environment's directory, else the installation's
     * @param stdlib the standard library ({@code /usr/lib/python3.11})
     * @param siteDirs the site directories that exist, in {@code sys.path} order
     * @param venvConfig the virtual environment's {@code pyvenv.cfg}, {@code ""} outside one
     */
    record Layout(String version, String prefix, String stdlib, String dynload, List<String> siteDirs, String venvConfig,
            String soabi) {
    }

    private static Layout layout(Launch launch, DetectionContext ctx, ProgramProfile.Builder profile) {
        String exe = launch.executable();
        String real = ctx.resolve(exe).map(FileEntry::path).orElse(exe);
        Matcher v = VERSION.matcher(Paths.name(real));
        String basePrefix = Paths.parent(Paths.parent(real));
        String version = v.matches() ? v.group(1) : null;
        if (version == null) {
            // An unversioned binary: the one standard library under its prefix.
            List<String> libs = ctx.glob(basePrefix + "/lib/python3.*");
            version = libs.isEmpty() ? null : Paths.name(libs.get(libs.size() - 1)).substring("python".length());
        }
        if (version == null || !ctx.exists(basePrefix + "/lib/python" + version + "/os.py")) {
            profile.note(Finding.Kind.BLOCKER, real, 0, "python " + real + " has no standard library under " + basePrefix
                    + "/lib/python" + (version == null ? "3.*" : version) + " (its landmark os.py is missing)");
            return null;
        }
        String stdlib = basePrefix + "/lib/python" + version;
        // A virtual environment: pyvenv.cfg beside the executable as started (links not followed) or one level up.
        String started = launch.argv().get(0);
        String venvConfig = "";
        String prefix = basePrefix;
        for (String cfg : List.of(Paths.join(Paths.parent(started), "pyvenv.cfg"),
                Paths.join(Paths.parent(Paths.parent(started)), "pyvenv.cfg"))) {
            if (ctx.exists(cfg)) {
                venvConfig = cfg;
                prefix = Paths.parent(cfg);
                break;
            }
        }
        List<String> site = new ArrayList<>();
        String nodot = version.replace(".", "");
        if (!venvConfig.isEmpty()) {
            site.add(prefix + "/lib/python" + version + "/site-packages");
        }
        boolean system = venvConfig.isEmpty() || venvIncludesSystem(ctx, venvConfig);
        if (system) {
            // Upstream's site-packages, and Debian's dist-packages (its site.py is patched to use them).
            site.add(basePrefix + "/lib/python" + version + "/site-packages");
            site.add(basePrefix + "/local/lib/python" + version + "/dist-packages");
            site.add(basePrefix + "/lib/python3/dist-packages");
            site.add(basePrefix + "/lib/python" + version + "/dist-packages");
        }
        List<String> existing = site.stream().distinct().filter(ctx::isDirectory).toList();
        String soabi = "cpython-" + nodot + "-x86_64-linux-gnu";
        List<String> natives = ctx.glob(stdlib + "/lib-dynload/*.cpython-" + nodot + "-*.so");
        if (!natives.isEmpty()) {
            String n = Paths.name(natives.get(0));
            soabi = n.substring(n.indexOf('.') + 1, n.length() - ".so".length());
        }
        return new Layout(version, prefix, stdlib, stdlib + "/lib-dynload", existing, venvConfig, soabi);
    }

    private static boolean venvIncludesSystem(DetectionContext ctx, String cfg) {
        return ctx.readTexts(List.of(cfg), 64 * 1024).getOrDefault(cfg, "").lines()
                .anyMatch(l -> l.replace(" ", "").equalsIgnoreCase("include-system-site-packages=true"));
    }

    private static boolean isSiteDir(String dir, Layout layout) {
        return layout.siteDirs().contains(dir) || dir.equals(layout.stdlib()) || dir.startsWith(layout.stdlib() + "/");
    }

    /** How the interpreter is asked to run the program. */
    record Invocation(String script, String module, String code, boolean noSite, boolean isolated, boolean ignoreEnv) {
    }

    static Invocation invocation(Launch launch) {
        List<String> args = launch.arguments();
        boolean noSite = false;
        boolean isolated = false;
        boolean ignoreEnv = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-m") && i + 1 < args.size()) {
                return new Invocation("", args.get(i + 1), "", noSite, isolated, ignoreEnv);
            }
            if (a.startsWith("-m") && a.length() > 2) {
                return new Invocation("", a.substring(2), "", noSite, isolated, ignoreEnv);
            }
            if (a.equals("-c") && i + 1 < args.size()) {
                return new Invocation("", "", args.get(i + 1), noSite, isolated, ignoreEnv);
            }
            if (WITH_VALUE.contains(a)) {
                i++;
                continue;
            }
            if (a.equals("-") || a.equals("--")) {
                break;
            }
            if (a.startsWith("-") && !a.startsWith("--")) {
                noSite |= a.indexOf('S') > 0;
                isolated |= a.indexOf('I') > 0;
                ignoreEnv |= a.indexOf('E') > 0 || a.indexOf('I') > 0;
                continue;
            }
            if (a.startsWith("--")) {
                continue;
            }
            return new Invocation(a, "", "", noSite, isolated, ignoreEnv);
        }
        return new Invocation("", "", "", noSite, isolated, ignoreEnv);
    }

    /** {@code sys.path}: the script's directory (or the working directory), PYTHONPATH, the standard library, site. */
    private static List<String> searchPath(Launch launch, DetectionContext ctx, Layout layout, Invocation inv) {
        List<String> path = new ArrayList<>();
        if (!inv.isolated()) {
            path.add(inv.script().isEmpty() ? launch.workingDir() : Paths.parent(launch.absolute(inv.script())));
        }
        String pythonPath = launch.env("PYTHONPATH");
        if (pythonPath != null && !inv.ignoreEnv()) {
            for (String p : pythonPath.split(":")) {
                if (!p.isEmpty()) {
                    path.add(launch.absolute(p));
                }
            }
        }
        path.add(layout.stdlib());
        path.add(layout.dynload());
        if (!inv.noSite()) {
            path.addAll(layout.siteDirs());
        }
        // A WSGI server or a console script imports the application from the working directory.
        if (!path.contains(launch.workingDir())) {
            path.add(launch.workingDir());
        }
        return path.stream().distinct().toList();
    }

    /** A setuptools entry-point script runs a function it names only in its distribution's entry_points.txt. */
    private static void entryPoint(DetectionContext ctx, String script, Layout layout, PythonImports imports) {
        String text = ctx.readTexts(List.of(script), DetectionContext.TEXT_LIMIT).getOrDefault(script, "");
        Matcher m = ENTRY_SCRIPT.matcher(text);
        if (!m.find()) {
            return;
        }
        String dist = m.group(1).toLowerCase().replace('-', '_');
        String group = m.group(2);
        String name = m.group(3);
        for (String dir : layout.siteDirs()) {
            for (FileEntry e : ctx.list(dir)) {
                String meta = Paths.name(e.path());
                String metaDist = meta.replaceAll("-[^-]*\\.(egg|dist)-info$", "").toLowerCase().replace('-', '_');
                if (!(meta.endsWith(".egg-info") || meta.endsWith(".dist-info")) || !metaDist.equals(dist)) {
                    continue;
                }
                String entries = e.path() + "/entry_points.txt";
                String ini = ctx.readTexts(List.of(entries), 1 << 20).getOrDefault(entries, "");
                String section = "";
                for (String line : ini.lines().toList()) {
                    String l = line.strip();
                    if (l.startsWith("[") && l.endsWith("]")) {
                        section = l.substring(1, l.length() - 1).strip();
                    } else if (section.equals(group) && l.contains("=") && l.substring(0, l.indexOf('=')).strip().equals(name)) {
                        String target = l.substring(l.indexOf('=') + 1).strip();
                        String module = target.contains(":") ? target.substring(0, target.indexOf(':')) : target;
                        imports.reach(List.of(module.strip()), entries + " (" + group + " " + name + ")");
                    }
                }
            }
        }
    }

    /** The files the reached modules are, with reasons; what of each library directory is left out, said. */
    private static void carry(DetectionContext ctx, ProgramProfile.Builder profile, Layout layout, PythonImports imports,
            List<String> pthFiles) {
        profile.file(layout.stdlib(), "the Python " + layout.version() + " standard library's directory");
        profile.file(layout.stdlib() + "/os.py", "Python's landmark of its standard library (it finds sys.prefix by it)");
        profile.file(layout.dynload(), "the directory of the standard library's extension modules");
        profile.file(layout.venvConfig(), "the virtual environment's configuration (Python finds its prefix by it)");
        Map<String, PythonImports.Module> reached = imports.reached();
        for (PythonImports.Module m : reached.values()) {
            String why = "Python module " + m.name() + " (imported by " + imports.firstImporter().get(m.name()) + ")";
            switch (m.form()) {
                case SOURCE -> {
                    profile.file(m.path(), why);
                    ctx.glob(Paths.parent(m.path()) + "/__pycache__/" + m.name() + ".*.pyc")
                            .forEach(pyc -> profile.file(pyc, why + ", compiled"));
                }
                case PACKAGE, NAMESPACE -> {
                    profile.tree(m.path(), why);
                    imports.nativeUnder(m.path()).forEach(so -> profile.object(so, "extension module of " + why));
                }
                case NATIVE -> profile.object(m.path(), "extension module " + why);
                default -> { }
            }
        }
        Set<String> alsoKept = new TreeSet<>();
        if (reached.containsKey("sysconfig")) {
            // sysconfig imports its build-time data by a name it computes.
            for (String f : ctx.glob(layout.stdlib() + "/_sysconfigdata_*.py")) {
                profile.file(f, "build-time data sysconfig imports by a computed name");
                alsoKept.add(Paths.name(f).substring(0, Paths.name(f).length() - 3));
            }
        }
        for (String dir : layout.siteDirs()) {
            // importlib.metadata finds distributions, versions and entry points by these.
            for (FileEntry e : ctx.list(dir)) {
                String n = Paths.name(e.path());
                if (n.endsWith(".dist-info") || n.endsWith(".egg-info") || n.endsWith(".egg-link")) {
                    profile.tree(e.path(), "package metadata in " + dir + " (importlib.metadata reads it)");
                }
            }
        }
        pthFiles.forEach(f -> profile.file(f, "path configuration the site module reads at start"));
        // Say what was kept of each library directory and what was left out.
        List<String> libraries = new ArrayList<>();
        libraries.add(layout.stdlib());
        libraries.add(layout.dynload());
        libraries.addAll(layout.siteDirs());
        for (String dir : libraries) {
            Set<String> all = new TreeSet<>();
            for (FileEntry e : ctx.list(dir)) {
                String n = Paths.name(e.path());
                if (e.isDirectory() && !n.contains(".") && !n.equals("__pycache__") && !n.equals("lib-dynload")
                        && ctx.exists(e.path() + "/__init__.py")) {
                    all.add(n);
                } else if (n.endsWith(".py")) {
                    all.add(n.substring(0, n.length() - 3));
                } else if (n.endsWith(".so") && n.indexOf('.') > 0) {
                    all.add(n.substring(0, n.indexOf('.')));
                }
            }
            if (all.isEmpty()) {
                continue;
            }
            List<String> kept = all.stream().filter(n -> reached.containsKey(n) && reached.get(n).entry().equals(dir)
                    || dir.equals(layout.stdlib()) && alsoKept.contains(n)).toList();
            List<String> left = all.stream().filter(n -> !kept.contains(n)).toList();
            profile.note(Finding.Kind.INFO, dir, 0, "python: kept " + kept.size() + " of " + all.size() + " top-level"
                    + " modules of " + dir + ", those the program can import (its own code, the imports of what it"
                    + " imports, site at start)" + (left.isEmpty() ? "" : "; left out: " + shown(left)));
        }
    }

    private static String shown(List<String> names) {
        return names.size() <= SHOWN ? String.join(", ", names)
                : String.join(", ", names.subList(0, SHOWN)) + " and " + (names.size() - SHOWN) + " more";
    }
}
