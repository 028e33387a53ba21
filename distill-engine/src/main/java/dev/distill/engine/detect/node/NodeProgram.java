package dev.distill.engine.detect.node;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.identity.Identity;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Node.js running a program: the script and its application directory (without its {@code node_modules}), and of
 * every {@code node_modules} and global folder only the packages the program can load (found statically by
 * {@link NodeModules}), with their native addons ({@code .node} ELF files, whose closures ride along). Node's built-in
 * modules are inside its binary; a Node built against shared copies of some of its own modules (Debian's keeps acorn,
 * cjs-module-lexer and undici in {@code /usr/share/nodejs}) names them by absolute path in its library, and those
 * packages are carried too. What is left out of each {@code node_modules} is said.
 */
public final class NodeProgram implements ProgramKind {

    private static final Set<String> NAMES = Set.of("node", "nodejs");
    /** Options of node that take a separate value (node --help). */
    private static final Set<String> WITH_VALUE = Set.of("-r", "--require", "--import", "--loader",
            "--experimental-loader", "-C", "--conditions", "--input-type", "--title", "--env-file", "--inspect-port",
            "--redirect-warnings", "--diagnostic-dir", "--report-dir", "--report-directory", "--icu-data-dir",
            "--openssl-config", "--tls-cipher-list", "--secure-heap", "--secure-heap-min", "--stack-trace-limit",
            "--max-http-header-size", "--heapsnapshot-signal", "--cpu-prof-dir", "--heap-prof-dir", "--policy-integrity",
            "--experimental-policy", "--dns-result-order", "--unhandled-rejections", "--disable-proto");
    /** JavaScript a Node binary or library names by absolute path: its shared built-in modules. */
    private static final Pattern BUILTIN_PATH = Pattern.compile("(/usr(?:/local)?/(?:share|lib)/[\\w@.+/-]+\\.js)");
    private static final int CHUNK = 1 << 20;
    private static final int SHOWN = 12;

    @Override
    public String name() {
        return "node";
    }

    @Override
    public boolean reads(String path) {
        return path.endsWith(".js") || path.endsWith(".cjs") || path.endsWith(".mjs") || path.endsWith("/package.json");
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!NAMES.contains(launch.executableName())) {
            return Optional.empty();
        }
        ProgramProfile.Builder profile = ProgramProfile.builder(name());
        NodeModules modules = new NodeModules(ctx, globalFolders(launch, ctx));
        List<String> roots = new ArrayList<>();
        String script = null;
        List<String> preloads = new ArrayList<>();
        String code = null;
        List<String> args = launch.arguments();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-e") || a.equals("--eval") || a.equals("-p") || a.equals("--print")) {
                code = i + 1 < args.size() ? args.get(i + 1) : "";
                break;
            }
            if ((a.equals("-r") || a.equals("--require") || a.equals("--import")) && i + 1 < args.size()) {
                preloads.add(args.get(i + 1));
            }
            if (WITH_VALUE.contains(a)) {
                i++;
                continue;
            }
            if (a.startsWith("-")) {
                continue;
            }
            script = a;
            break;
        }
        Set<String> appDirs = new LinkedHashSet<>();
        if (script != null) {
            Optional<String> file = modules.file(launch.absolute(script));
            if (file.isEmpty()) {
                profile.note(Finding.Kind.BLOCKER, launch.absolute(script), 0, "node runs " + script
                        + ", which is not in the image (nor with a .js, .json, .node, .cjs or .mjs extension, nor as a"
                        + " directory with a main or an index)");
            } else {
                profile.file(file.get(), "the script node runs");
                roots.add(file.get());
                String dir = Paths.parent(file.get());
                if (!Launch.isSystemDirectory(dir)) {
                    appDirs.add(dir);
                }
            }
        } else if (code == null) {
            profile.note(Finding.Kind.WARNING, "", 0, "node runs no script (" + String.join(" ", launch.argv())
                    + "): it starts its REPL, which reads a terminal a container does not give it");
        }
        if (!Launch.isSystemDirectory(launch.workingDir())) {
            appDirs.add(launch.workingDir());
        }
        // The application: its own code, without its node_modules, of which only what it loads is carried.
        for (String dir : appDirs) {
            String prefix = dir + "/";
            List<String> own = ctx.fs().entries().filter(e -> e.isRegular() && e.path().startsWith(prefix)
                    && NodeModules.isCode(e.path()) && !e.path().contains("/node_modules/")).map(FileEntry::path).sorted().toList();
            List<String> nodeModules = ctx.fs().entries().filter(e -> e.isDirectory() && e.path().startsWith(prefix)
                    && Paths.name(e.path()).equals("node_modules")).map(FileEntry::path).toList();
            profile.application(dir, "the Node application (its directory; of its node_modules only what it loads)",
                    nodeModules);
            roots.addAll(own);
        }
        String from = script != null ? launch.absolute(script) : launch.workingDir() + "/[eval]";
        for (String p : preloads) {
            roots.addAll(modules.resolvePreload(p, from));
        }
        if (code != null) {
            roots.addAll(modules.resolveAll(code, from));
        }
        // Node's own modules that its build keeps outside the binary, named by path in its code.
        for (String path : sharedBuiltins(launch, ctx)) {
            String pkg = packageDirectory(ctx, path);
            if (pkg != null) {
                roots.addAll(modules.reach(pkg, launch.executable() + " (a module of node's own, named in its library)"));
            } else if (ctx.exists(path)) {
                profile.file(path, "a module of node's own, named by path in its library");
                roots.add(path);
            }
        }
        modules.scan(roots);
        modules.appFiles().forEach(f -> profile.file(f, "application code the script requires"));
        for (var e : modules.packages().entrySet()) {
            String why = "Node package " + Paths.name(e.getKey()) + " (loaded by " + e.getValue() + ")";
            profile.tree(e.getKey(), why);
            String prefix = ctx.resolve(e.getKey()).map(FileEntry::path).orElse(e.getKey()) + "/";
            ctx.fs().entries().filter(x -> x.isRegular() && x.path().startsWith(prefix) && x.path().endsWith(".node"))
                    .forEach(x -> profile.object(x.path(), "native addon of " + why));
        }
        report(ctx, profile, modules, appDirs, globalFolders(launch, ctx));
        return Optional.of(profile.build());
    }

    /**
     * The folders Node looks a bare name up in after every {@code node_modules} up the tree: {@code NODE_PATH}, the
     * user's {@code ~/.node_modules} and {@code ~/.node_libraries}, {@code <prefix>/lib/node}, and Debian's
     * {@code /usr/lib/<multiarch>/nodejs} and {@code /usr/share/nodejs}.
     */
    static List<String> globalFolders(Launch launch, DetectionContext ctx) {
        List<String> out = new ArrayList<>();
        String nodePath = launch.env("NODE_PATH");
        if (nodePath != null) {
            for (String p : nodePath.split(":")) {
                if (!p.isEmpty()) {
                    out.add(launch.absolute(p));
                }
            }
        }
        String home = launch.env("HOME");
        if (home == null) {
            try {
                home = Identity.resolve(launch.user(), ctx.accounts()).home();
            } catch (IllegalArgumentException e) {
                home = "";
            }
        }
        if (home != null && home.startsWith("/")) {
            out.add(Paths.join(home, ".node_modules"));
            out.add(Paths.join(home, ".node_libraries"));
        }
        String real = ctx.resolve(launch.executable()).map(FileEntry::path).orElse(launch.executable());
        String prefix = Paths.parent(Paths.parent(real));
        out.add(Paths.join(prefix, "lib/node"));
        out.addAll(ctx.glob(prefix + "/lib/*-linux-gnu/nodejs"));
        out.add(Paths.join(prefix, "lib/nodejs"));
        out.add(Paths.join(prefix, "share/nodejs"));
        return out.stream().distinct().filter(ctx::isDirectory).toList();
    }

    /** JavaScript files the node binary or its libnode names by absolute path. */
    private static Set<String> sharedBuiltins(Launch launch, DetectionContext ctx) {
        Set<String> out = new TreeSet<>();
        Set<String> binaries = new LinkedHashSet<>();
        binaries.add(launch.executable());
        for (String lib : List.of("/usr/lib/*-linux-gnu/libnode.so.*", "/usr/lib/libnode.so.*", "/usr/local/lib/libnode.so.*")) {
            binaries.addAll(ctx.glob(lib));
        }
        for (String b : binaries) {
            Optional<FileEntry> e = ctx.resolve(b);
            if (e.isEmpty() || !e.get().isRegular()) {
                continue;
            }
            try (InputStream in = ctx.fs().open(e.get())) {
                String carry = "";
                byte[] chunk = new byte[CHUNK];
                int n;
                while ((n = in.readNBytes(chunk, 0, CHUNK)) > 0) {
                    String text = carry + new String(chunk, 0, n, StandardCharsets.ISO_8859_1);
                    Matcher m = BUILTIN_PATH.matcher(text);
                    while (m.find()) {
                        out.add(m.group(1));
                    }
                    carry = text.substring(Math.max(0, text.length() - 512));
                }
            } catch (IOException | RuntimeException ex) {
                // Unreadable: what it names stays unknown, and the verifier's trace finds what is missing.
            }
        }
        out.removeIf(p -> !ctx.exists(p));
        return out;
    }

    /** The package directory holding a file: the nearest directory above it with a package.json, if any. */
    private static String packageDirectory(DetectionContext ctx, String file) {
        for (String dir = Paths.parent(file); !dir.equals("/") && !Launch.isSystemDirectory(dir); dir = Paths.parent(dir)) {
            if (ctx.exists(dir + "/package.json")) {
                return dir;
            }
        }
        return null;
    }

    private static void report(DetectionContext ctx, ProgramProfile.Builder profile, NodeModules modules,
            Set<String> appDirs, List<String> globals) {
        List<String> folders = new ArrayList<>(globals);
        for (String dir : appDirs) {
            String prefix = dir + "/";
            ctx.fs().entries().filter(e -> e.isDirectory() && e.path().startsWith(prefix)
                    && Paths.name(e.path()).equals("node_modules")).forEach(e -> folders.add(e.path()));
        }
        for (String folder : folders.stream().distinct().toList()) {
            List<String> all = new ArrayList<>();
            for (FileEntry e : ctx.list(folder)) {
                String n = Paths.name(e.path());
                if (n.startsWith(".")) {
                    continue;
                }
                if (n.startsWith("@") && e.isDirectory()) {
                    ctx.list(e.path()).forEach(s -> all.add(n + "/" + Paths.name(s.path())));
                } else {
                    all.add(n);
                }
            }
            if (all.isEmpty()) {
                continue;
            }
            List<String> kept = all.stream().filter(n -> modules.packages().containsKey(Paths.join(folder, n))).toList();
            List<String> left = all.stream().filter(n -> !kept.contains(n)).toList();
            profile.note(Finding.Kind.INFO, folder, 0, "node: kept " + kept.size() + " of " + all.size() + " packages of "
                    + folder + ", those the program can load (required or imported by its code and theirs)"
                    + (left.isEmpty() ? "" : "; left out: " + (left.size() <= SHOWN ? String.join(", ", left)
                    : String.join(", ", left.subList(0, SHOWN)) + " and " + (left.size() - SHOWN) + " more")));
        }
        if (!modules.unresolved().isEmpty()) {
            profile.note(Finding.Kind.INFO, "", 0, "node: " + modules.unresolved().size() + " names required in the code"
                    + " resolve to no package in the image (optional dependencies, or code that never runs): "
                    + String.join(", ", new TreeSet<>(modules.unresolved()).stream().limit(SHOWN).toList()));
        }
    }
}
