package dev.distill.engine.detect.php;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.detect.supervisord.SupervisordDetector;
import dev.distill.engine.detect.supervisord.SupervisordResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds PHP's configuration directories, reads their ini files in PHP's order, resolves extensions to the
 * modules PHP dlopens and reads php-fpm's configuration and pools.
 */
public final class PhpDetector implements Detector<PhpResult> {

    public static final String NAME = "php";

    private static final Pattern PORT = Pattern.compile("(?:.*:)?(\\d{1,5})");
    private static final Set<String> SAPIS = Set.of("fpm", "cli", "apache2", "cgi", "embed", "phpdbg");
    private static final int MAX_INCLUDE_DEPTH = 10;
    static final List<String> WRITABLE_SETTINGS = List.of("session.save_path", "upload_tmp_dir", "sys_temp_dir", "error_log",
            "opcache.file_cache");

    /**
     * Where a layout keeps things; {@code fpmConf} and {@code extensionDir} may be absent; {@code sapi} is the one
     * SAPI whose configuration it is ({@code fpm}, {@code cli}), {@code ""} when every SAPI reads it.
     */
    private record Layout(String configDir, String phpIni, String defaultScanDir, String extensionDir,
                          String fpmConf, String prefix, String sapi) {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<PhpResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        List<List<String>> commands = phpCommands(ctx);
        List<Layout> layouts = layouts(ctx, commands);
        List<PhpResult.Installation> installations = new ArrayList<>();
        String scanEnv = ctx.env("PHP_INI_SCAN_DIR");
        boolean noIni = commands.stream().anyMatch(c -> c.contains("-n"));
        for (Layout layout : layouts) {
            installations.add(installation(ctx, findings, layout, scanEnv, noIni));
        }
        List<PhpResult.FpmConfig> fpm = new ArrayList<>();
        Set<String> fpmPaths = new LinkedHashSet<>();
        for (List<String> c : commands) {
            String y = option(c, "-y", "--fpm-config");
            if (y != null) {
                fpmPaths.add(y.startsWith("/") ? Paths.normalize(y) : Paths.join(ctx.workingDir(), y));
            }
        }
        if (fpmPaths.isEmpty()) {
            layouts.stream().filter(l -> !l.fpmConf().isEmpty() && ctx.exists(l.fpmConf())).forEach(l -> fpmPaths.add(l.fpmConf()));
        }
        for (String path : fpmPaths) {
            String prefix = layouts.stream().filter(l -> l.fpmConf().equals(path)).map(Layout::prefix).findFirst()
                    .orElse(path.startsWith("/usr/local/") ? "/usr/local" : "/usr");
            if (!ctx.exists(path)) {
                findings.blocker(path, 0, "php-fpm is configured with " + path + ", which does not exist");
                continue;
            }
            fpm.add(fpmConfig(ctx, findings, path, prefix));
        }
        boolean runsFpm = commands.stream().anyMatch(c -> base(c.get(0)).startsWith("php-fpm"));
        if (runsFpm && fpm.isEmpty()) {
            findings.warning("", "the container runs php-fpm but no php-fpm.conf was found");
        }
        return findings.done(new PhpResult(installations, fpm));
    }

    /** The PHP command lines the container runs: its own command and supervisord programs. */
    static List<List<String>> phpCommands(DetectionContext ctx) {
        List<List<String>> out = new ArrayList<>();
        EntrypointResult entry = ctx.run(new ShellDetector()).result();
        entry.invocation(n -> n.startsWith("php")).ifPresent(out::add);
        SupervisordResult sup = ctx.run(new SupervisordDetector()).result();
        for (SupervisordResult.Program p : sup.programs()) {
            if (!p.command().isEmpty() && base(p.command().get(0)).startsWith("php")) {
                out.add(p.command());
            }
        }
        return out;
    }

    private static List<Layout> layouts(DetectionContext ctx, List<List<String>> commands) {
        List<Layout> out = new ArrayList<>();
        if (ctx.isDirectory("/usr/local/etc/php")) {
            List<String> ext = ctx.glob("/usr/local/lib/php/extensions/no-debug-non-zts-*");
            if (ext.isEmpty()) {
                ext = ctx.glob("/usr/local/lib/php/extensions/*");
            }
            out.add(new Layout("/usr/local/etc/php", "/usr/local/etc/php/php.ini", "/usr/local/etc/php/conf.d",
                    ext.isEmpty() ? "" : ext.get(ext.size() - 1), "/usr/local/etc/php-fpm.conf", "/usr/local", ""));
        }
        List<String> debianExt = ctx.glob("/usr/lib/php/2*");
        for (String dir : ctx.glob("/etc/php/*/*")) {
            String sapi = Paths.name(dir);
            if (!SAPIS.contains(sapi) || !ctx.isDirectory(dir)) {
                continue;
            }
            out.add(new Layout(dir, dir + "/php.ini", dir + "/conf.d",
                    debianExt.isEmpty() ? "" : debianExt.get(debianExt.size() - 1),
                    sapi.equals("fpm") ? dir + "/php-fpm.conf" : "", "/usr", sapi));
        }
        for (String dir : ctx.glob("/etc/php[0-9]*")) {
            if (!ctx.isDirectory(dir)) {
                continue;
            }
            String ext = "/usr/lib/" + Paths.name(dir) + "/modules";
            out.add(new Layout(dir, dir + "/php.ini", dir + "/conf.d", ctx.isDirectory(ext) ? ext : "", dir + "/php-fpm.conf", "/usr", ""));
        }
        // php -c <file|dir>, else the PHPRC variable: that php.ini instead of the layout's
        List<String> overrides = new ArrayList<>();
        for (List<String> c : commands) {
            String ini = option(c, "-c", "--php-ini");
            if (ini != null) {
                overrides.add(ini);
            }
        }
        if (overrides.isEmpty() && ctx.env("PHPRC") != null && !ctx.env("PHPRC").isEmpty()) {
            overrides.add(ctx.env("PHPRC"));
        }
        for (String ini : overrides) {
            String p = ini.startsWith("/") ? Paths.normalize(ini) : Paths.join(ctx.workingDir(), ini);
            String file = ctx.isDirectory(p) ? p + "/php.ini" : p;
            Layout base = out.isEmpty() ? new Layout(Paths.parent(file), file, "", "", "", "/usr", "") : out.remove(0);
            out.add(0, new Layout(Paths.parent(file), file, base.defaultScanDir(), base.extensionDir(), base.fpmConf(),
                    base.prefix(), base.sapi()));
        }
        return out;
    }

    private static PhpResult.Installation installation(DetectionContext ctx, Findings findings, Layout layout, String scanEnv,
                                                       boolean noIni) {
        List<String> scanDirs = new ArrayList<>();
        if (scanEnv != null) {
            for (String d : scanEnv.split(":", -1)) {
                String dir = d.isEmpty() ? layout.defaultScanDir() : d;
                if (!dir.isEmpty() && !scanDirs.contains(dir)) {
                    scanDirs.add(dir);
                }
            }
        } else if (!layout.defaultScanDir().isEmpty()) {
            scanDirs.add(layout.defaultScanDir());
        }
        List<String> iniFiles = new ArrayList<>();
        String phpIni = !noIni && ctx.resolve(layout.phpIni()).map(FileEntry::isRegular).orElse(false) ? layout.phpIni() : "";
        if (!phpIni.isEmpty()) {
            iniFiles.add(phpIni);
        } else if (!noIni) {
            findings.info(layout.configDir(), "no php.ini in " + layout.configDir() + ": PHP uses its built-in defaults"
                    + " plus the scan directory");
        }
        for (String dir : scanDirs) {
            iniFiles.addAll(ctx.glob(dir + "/*.ini").stream()
                    .filter(f -> ctx.resolve(f).map(FileEntry::isRegular).orElse(false)).toList());
        }
        List<PhpIni.Directive> all = new ArrayList<>();
        List<Located> located = new ArrayList<>();
        for (String f : iniFiles) {
            Optional<TextFile> text = ctx.readText(f, findings);
            if (text.isEmpty()) {
                continue;
            }
            try {
                for (PhpIni.Directive d : PhpIni.parse(text.get().content(), ctx::env)) {
                    all.add(d);
                    located.add(new Located(f, d));
                }
            } catch (IllegalArgumentException e) {
                findings.error(f, e);
            }
        }
        String extDirIni = PhpIni.last(all, "extension_dir");
        String extDir = extDirIni != null && !extDirIni.isEmpty() ? extDirIni : layout.extensionDir();
        List<PhpResult.Extension> extensions = new ArrayList<>();
        for (Located l : located) {
            PhpIni.Directive d = l.directive();
            if (!d.key().equals("extension") && !d.key().equals("zend_extension")) {
                continue;
            }
            String file = l.file();
            String module = resolveModule(ctx, d.value(), extDir);
            extensions.add(new PhpResult.Extension(d.key(), d.value(), module, file, d.line()));
            if (module.isEmpty()) {
                findings.add(Finding.Kind.WARNING, file, d.line(), d.key() + "=" + d.value() + " matches no module in "
                        + (extDir.isEmpty() ? "(unknown extension_dir)" : extDir) + ": PHP warns at start and runs without it",
                        Map.of("extension", d.value()));
                continue;
            }
            FileEntry m = ctx.resolve(module).orElseThrow();
            findings.add(Finding.Kind.INFO, file, d.line(), d.key() + "=" + d.value() + " makes PHP dlopen " + module,
                    Map.of("extension", d.value(), "module", module, "moduleLayer", nullToEmpty(m.layerDigest())));
            if (!ctx.isElf(m)) {
                findings.add(Finding.Kind.WARNING, module, 0, module + " (" + d.key() + "=" + d.value() + ") is not an ELF object", Map.of());
            }
        }
        Map<String, String> writable = new LinkedHashMap<>();
        for (String key : WRITABLE_SETTINGS) {
            String v = PhpIni.last(all, key);
            if (v == null) {
                continue;
            }
            String path = key.equals("session.save_path") ? v.substring(v.lastIndexOf(';') + 1) : v;  // "N;MODE;/path"
            if (path.startsWith("/") && !path.startsWith("/dev/") && !path.startsWith("/proc/")) {
                writable.put(key, Paths.normalize(path));
            }
        }
        return new PhpResult.Installation(layout.configDir(), layout.sapi(), phpIni, scanDirs, iniFiles, extDir,
                extDirIni != null && !extDirIni.isEmpty(), extensions, writable);
    }

    /** Resolves an extension like PHP: a path with a slash as is, else extension_dir/name, then name.so. */
    static String resolveModule(DetectionContext ctx, String value, String extDir) {
        if (value.isEmpty()) {
            return "";
        }
        List<String> candidates = new ArrayList<>();
        if (value.contains("/")) {
            candidates.add(value.startsWith("/") ? Paths.normalize(value) : Paths.join(ctx.workingDir(), value));
        } else if (!extDir.isEmpty()) {
            candidates.add(Paths.join(extDir, value));
            candidates.add(Paths.join(extDir, value + ".so"));
        }
        for (String c : candidates) {
            if (ctx.resolve(c).map(FileEntry::isRegular).orElse(false)) {
                return c;
            }
        }
        return "";
    }

    private static PhpResult.FpmConfig fpmConfig(DetectionContext ctx, Findings findings, String path, String prefix) {
        List<String> files = new ArrayList<>();
        List<Located> directives = new ArrayList<>();
        readFpm(ctx, findings, path, prefix, files, directives, 0);
        Map<String, String> global = new LinkedHashMap<>();
        Map<String, Map<String, Located>> pools = new LinkedHashMap<>();
        for (Located l : directives) {
            String section = l.directive().section();
            if (section.isEmpty() || section.equals("global")) {
                global.put(l.directive().key(), l.directive().value());
            } else {
                pools.computeIfAbsent(section, k -> new LinkedHashMap<>()).put(l.directive().key(), l);
            }
        }
        String varDir = prefix.equals("/usr") ? "/var" : prefix + "/var";
        String pid = global.containsKey("pid") ? relative(global.get("pid"), varDir) : "";
        String errorLog = relative(global.getOrDefault("error_log", "log/php-fpm.log"), varDir);
        boolean daemonize = !"no".equalsIgnoreCase(global.getOrDefault("daemonize", "yes"))
                && !"false".equalsIgnoreCase(global.getOrDefault("daemonize", "yes"))
                && !"0".equals(global.getOrDefault("daemonize", "yes"))
                && !"off".equalsIgnoreCase(global.getOrDefault("daemonize", "yes"));
        List<PhpResult.Pool> out = new ArrayList<>();
        for (Map.Entry<String, Map<String, Located>> e : pools.entrySet()) {
            String name = e.getKey();
            Map<String, Located> p = e.getValue();
            Located first = p.values().iterator().next();
            String listen = get(p, "listen", name);
            String socket = "";
            int port = 0;
            if (listen.startsWith("/")) {
                socket = Paths.normalize(listen);
            } else {
                Matcher m = PORT.matcher(listen);
                if (m.matches()) {
                    port = Integer.parseInt(m.group(1));
                } else if (!listen.isEmpty()) {
                    socket = Paths.join(prefix, listen);
                }
            }
            PhpResult.Pool pool = new PhpResult.Pool(name, first.file(), first.directive().line(), listen, socket, port,
                    get(p, "listen.owner", name), get(p, "listen.group", name), get(p, "listen.mode", name),
                    get(p, "user", name), get(p, "group", name), get(p, "ping.path", name), get(p, "pm.status_path", name),
                    get(p, "access.log", name), get(p, "slowlog", name), get(p, "chdir", name));
            out.add(pool);
            Located l = p.get("listen");
            String where = l == null ? first.file() : l.file();
            int line = l == null ? first.directive().line() : l.directive().line();
            if (listen.isEmpty()) {
                findings.add(Finding.Kind.WARNING, where, line, "php-fpm pool [" + name + "] has no listen address", Map.of());
            } else {
                findings.add(Finding.Kind.INFO, where, line, "php-fpm pool [" + name + "] listens on "
                        + (socket.isEmpty() ? "TCP port " + port : "unix socket " + socket)
                        + (pool.user().isEmpty() ? "" : ", runs as " + pool.user() + (pool.group().isEmpty() ? "" : ":" + pool.group())),
                        socket.isEmpty() ? Map.of("port", String.valueOf(port)) : Map.of("socket", socket, "socketDir", Paths.parent(socket)));
            }
        }
        if (out.isEmpty()) {
            findings.warning(path, "php-fpm configuration " + path + " defines no pool: php-fpm refuses to start");
        }
        return new PhpResult.FpmConfig(path, prefix, files, pid, errorLog, daemonize, out);
    }

    private record Located(String file, PhpIni.Directive directive) {
    }

    private static void readFpm(DetectionContext ctx, Findings findings, String path, String prefix, List<String> files,
                                List<Located> out, int depth) {
        if (files.contains(path)) {
            return;
        }
        files.add(path);
        Optional<TextFile> text = ctx.readText(path, findings);
        if (text.isEmpty()) {
            return;
        }
        List<PhpIni.Directive> ds;
        try {
            ds = PhpIni.parse(text.get().content(), ctx::env);
        } catch (IllegalArgumentException e) {
            findings.error(path, e);
            return;
        }
        for (PhpIni.Directive d : ds) {
            if (d.key().equals("include")) {
                if (depth >= MAX_INCLUDE_DEPTH) {
                    findings.add(Finding.Kind.ERROR, path, d.line(), "includes nested deeper than " + MAX_INCLUDE_DEPTH, Map.of());
                    continue;
                }
                String pattern = d.value().startsWith("/") ? d.value() : prefix + "/" + d.value();
                List<String> matches = ctx.glob(pattern);
                if (matches.isEmpty()) {
                    findings.add(Finding.Kind.WARNING, path, d.line(), "include=" + d.value() + " matches no file", Map.of());
                }
                for (String m : matches) {
                    readFpm(ctx, findings, m, prefix, files, out, depth + 1);
                }
                continue;
            }
            out.add(new Located(path, d));
        }
    }

    private static String get(Map<String, Located> pool, String key, String poolName) {
        Located l = pool.get(key);
        return l == null ? "" : l.directive().value().replace("$pool", poolName);
    }

    private static String relative(String value, String dir) {
        if (value.isEmpty() || value.startsWith("/") || value.equals("syslog")) {
            return value;
        }
        return Paths.join(dir, value);
    }

    static String option(List<String> argv, String shortName, String longName) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if ((a.equals(shortName) || a.equals(longName)) && i + 1 < argv.size()) {
                return argv.get(i + 1);
            }
            if (a.startsWith(longName + "=")) {
                return a.substring(longName.length() + 1);
            }
        }
        return null;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    static String base(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }
}
