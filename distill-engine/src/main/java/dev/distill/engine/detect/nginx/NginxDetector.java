package dev.distill.engine.detect.nginx;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads nginx's configuration: the {@code -c} file of the nginx the container runs (directly or under
 * supervisord), else {@code /etc/nginx/nginx.conf}; includes expanded; {@code -g} directives added.
 */
public final class NginxDetector implements Detector<NginxResult> {

    public static final String NAME = "nginx";
    public static final String DEFAULT_CONFIG = "/etc/nginx/nginx.conf";

    private static final Set<String> TEMP_PATHS = Set.of("client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path",
            "uwsgi_temp_path", "scgi_temp_path", "proxy_cache_path", "fastcgi_cache_path", "uwsgi_cache_path", "scgi_cache_path");
    private static final Set<String> PASSES = Set.of("fastcgi_pass", "proxy_pass", "uwsgi_pass", "scgi_pass", "grpc_pass");
    private static final Set<String> FILES = Set.of("ssl_certificate", "ssl_certificate_key", "ssl_trusted_certificate",
            "ssl_client_certificate", "ssl_dhparam", "auth_basic_user_file");
    /** nginx itself is a few MB; the configure arguments sit in its read-only data. */
    static final int BINARY_LIMIT = 32 << 20;
    private static final Pattern UNIX = Pattern.compile("(?:[a-z]+://)?unix:(/[^:]*)(?::.*)?");
    private static final Pattern PORT = Pattern.compile("(?:.*:)?(\\d{1,5})");
    private static final int MAX_INCLUDE_DEPTH = 20;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<NginxResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        List<String> cmd = nginxCommand(ctx);
        String conf = DEFAULT_CONFIG;
        String prefixArg = null;
        String globals = null;
        if (cmd != null) {
            String c = option(cmd, "-c");
            if (c != null) {
                conf = c.startsWith("/") ? Paths.normalize(c) : Paths.join(ctx.workingDir(), c);
            }
            prefixArg = option(cmd, "-p");
            globals = option(cmd, "-g");
        }
        if (!ctx.exists(conf)) {
            if (cmd != null) {
                findings.blocker(conf, 0, "the container runs nginx but its configuration " + conf + " does not exist");
            }
            return findings.done(NginxResult.NONE);
        }
        boolean guessed = prefixArg == null;
        String prefix = prefixArg != null ? Paths.normalize(prefixArg) : guessPrefix(ctx, conf);
        String confDir = Paths.parent(conf);
        Collector col = new Collector(ctx, findings, prefix, confDir);
        List<NginxConf.Directive> tree = col.load(conf, 0);
        if (globals != null) {
            try {
                tree = new ArrayList<>(tree);
                tree.addAll(NginxConf.parse(globals, ""));
            } catch (IllegalArgumentException e) {
                findings.add(Finding.Kind.ERROR, "", 0, "nginx -g '" + globals + "': " + e.getMessage(), Map.of());
            }
        }
        col.walk(tree, "main");
        if (col.hasHttp) {
            col.compiledTempPaths(binary(ctx, cmd));
        }
        NginxResult r = col.result(conf, guessed);
        report(ctx, findings, r, cmd != null);
        return findings.done(r);
    }

    private static void report(DetectionContext ctx, Findings findings, NginxResult r, boolean runs) {
        if (r.prefixGuessed()) {
            findings.info(r.mainConfig(), "nginx prefix taken as " + r.prefix() + " from the image layout (no -p)");
        }
        if (runs && !r.daemonOff()) {
            findings.warning(r.mainConfig(), "nginx daemonizes unless 'daemon off;' is set: a container needs it in the foreground");
        }
        for (NginxResult.Ref m : r.modules()) {
            Optional<FileEntry> e = ctx.resolve(m.path());
            if (e.isEmpty()) {
                findings.add(Finding.Kind.BLOCKER, m.file(), m.line(), "load_module " + m.path() + " does not exist: nginx refuses to start",
                        Map.of("module", m.path()));
            } else {
                findings.add(Finding.Kind.INFO, m.file(), m.line(), "load_module makes nginx dlopen " + m.path(),
                        Map.of("module", m.path(), "moduleLayer", e.get().layerDigest() == null ? "" : e.get().layerDigest()));
            }
        }
        List<NginxResult.Ref> logs = new ArrayList<>(r.errorLogs());
        logs.addAll(r.accessLogs());
        for (NginxResult.Ref l : logs) {
            if (l.isStream()) {
                findings.add(Finding.Kind.INFO, l.file(), l.line(), l.directive() + " " + l.path()
                        + (l.path().equals("off") ? ": logging is off" : ": written to the container's output or a runtime device"),
                        Map.of("log", l.path()));
            } else {
                findings.add(Finding.Kind.INFO, l.file(), l.line(), l.directive() + " writes the file " + l.path()
                        + ": its directory must be writable", Map.of("log", l.path()));
            }
        }
        for (NginxResult.Ref s : r.upstreamSockets()) {
            String dir = Paths.parent(s.path());
            findings.add(ctx.isDirectory(dir) ? Finding.Kind.INFO : Finding.Kind.WARNING, s.file(), s.line(),
                    s.directive() + " talks to the unix socket " + s.path() + (ctx.isDirectory(dir) ? "" : " whose directory " + dir
                            + " does not exist in the image") + ": the socket directory must be shared with the program serving it",
                    Map.of("socket", s.path(), "socketDir", dir));
        }
        for (NginxResult.Ref root : r.roots()) {
            if (!ctx.isDirectory(root.path()) && !root.path().contains("$")) {
                findings.add(Finding.Kind.WARNING, root.file(), root.line(), root.directive() + " " + root.path()
                        + " does not exist in the image", Map.of());
            }
        }
        String user = ctx.config().user();
        boolean rootUser = user.isEmpty() || user.equals("root") || user.equals("0") || user.startsWith("0:") || user.startsWith("root:");
        for (NginxResult.Listen l : r.listens()) {
            if (l.port() > 0 && l.port() < 1024 && !rootUser) {
                findings.add(Finding.Kind.WARNING, l.file(), l.line(), "listen " + l.address() + ": port " + l.port()
                        + " is privileged and the image runs as " + user, Map.of("port", String.valueOf(l.port())));
            }
        }
    }

    /** The nginx argv the container runs, directly or as a supervisord program; null when none. */
    static List<String> nginxCommand(DetectionContext ctx) {
        EntrypointResult entry = ctx.run(new ShellDetector()).result();
        Optional<List<String>> direct = entry.invocation(NginxProgram::isNginx);
        if (direct.isPresent()) {
            return direct.get();
        }
        SupervisordResult sup = ctx.run(new SupervisordDetector()).result();
        for (SupervisordResult.Program p : sup.programs()) {
            if (NginxProgram.isNginx(p.programName())) {
                return p.command();
            }
        }
        return null;
    }

    /** The nginx binary the container runs (or the first on the PATH), or null. */
    private static String binary(DetectionContext ctx, List<String> cmd) {
        if (cmd != null && !cmd.isEmpty() && cmd.get(0).startsWith("/")) {
            return cmd.get(0);
        }
        return ctx.which(cmd != null && !cmd.isEmpty() ? cmd.get(0) : "nginx").orElse(null);
    }

    /**
     * The {@code --http-*-temp-path=} options the binary was configured with, by directive, read from the
     * "configure arguments:" text nginx embeds for {@code nginx -V}; empty when unreadable or absent.
     */
    static Map<String, String> configuredTempPaths(byte[] binary) {
        String text = new String(binary, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("configure arguments:");
        Map<String, String> out = new LinkedHashMap<>();
        if (at < 0) {
            return out;
        }
        int end = text.indexOf('\0', at);
        String args = text.substring(at, end < 0 ? text.length() : end);
        Matcher m = CONFIGURED_TEMP.matcher(args);
        while (m.find()) {
            out.put(m.group(1).replace('-', '_') + "_temp_path", m.group(2));
        }
        return out;
    }

    private static final Pattern CONFIGURED_TEMP = Pattern.compile("--http-(client-body|proxy|fastcgi|uwsgi|scgi)-temp-path=(\\S+)");

    /** nginx's own defaults, relative to the prefix, when the binary says nothing. */
    private static final Map<String, String> DEFAULT_TEMP = Map.of("client_body_temp_path", "client_body_temp",
            "proxy_temp_path", "proxy_temp", "fastcgi_temp_path", "fastcgi_temp", "uwsgi_temp_path", "uwsgi_temp",
            "scgi_temp_path", "scgi_temp");

    private static String guessPrefix(DetectionContext ctx, String conf) {
        // Alpine's prefix is /var/lib/nginx, Debian's package /usr/share/nginx, nginx.org's image /etc/nginx; each
        // has a modules directory (a link to /usr/lib/nginx/modules) under its prefix. Alpine also has an
        // /etc/nginx/modules of config snippets, so /etc/nginx comes last.
        for (String p : List.of("/var/lib/nginx", "/usr/share/nginx", "/etc/nginx")) {
            if (ctx.exists(p + "/modules")) {
                return p;
            }
        }
        return Paths.parent(conf);
    }

    static String option(List<String> argv, String name) {
        for (int i = 1; i < argv.size(); i++) {
            if (argv.get(i).equals(name) && i + 1 < argv.size()) {
                return argv.get(i + 1);
            }
            if (argv.get(i).startsWith(name) && argv.get(i).length() > name.length()) {
                return argv.get(i).substring(name.length());
            }
        }
        return null;
    }

    static String base(String path) {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** Loads files with includes and collects what matters. */
    private static final class Collector {
        private final DetectionContext ctx;
        private final Findings findings;
        private final String prefix;
        private final String confDir;
        private final List<String> files = new ArrayList<>();
        private String user = "";
        private String group = "";
        private NginxResult.Ref pid;
        private boolean daemonOff;
        private final List<NginxResult.Ref> modules = new ArrayList<>();
        private final List<NginxResult.Ref> errorLogs = new ArrayList<>();
        private final List<NginxResult.Ref> accessLogs = new ArrayList<>();
        private final List<NginxResult.Ref> roots = new ArrayList<>();
        private final List<NginxResult.Ref> sockets = new ArrayList<>();
        private final List<NginxResult.Listen> listens = new ArrayList<>();
        private final List<NginxResult.Ref> temps = new ArrayList<>();
        private final List<NginxResult.Ref> other = new ArrayList<>();

        Collector(DetectionContext ctx, Findings findings, String prefix, String confDir) {
            this.ctx = ctx;
            this.findings = findings;
            this.prefix = prefix;
            this.confDir = confDir;
        }

        boolean hasHttp;

        /**
         * nginx creates every temp directory of its http modules at start, also those the configuration never
         * sets (then the compiled-in one: Debian's /var/lib/nginx/proxy), and exits when it cannot: they are
         * writable places like the configured ones.
         */
        void compiledTempPaths(String binaryPath) {
            Optional<FileEntry> bin = binaryPath == null ? Optional.empty() : ctx.resolve(binaryPath);
            if (bin.isEmpty() || !bin.get().isRegular()) {
                return;  // no nginx to ask; what it would create is unknown
            }
            Map<String, String> compiled = configuredTempPaths(ctx.head(bin.get(), BINARY_LIMIT));
            for (String directive : new java.util.TreeSet<>(DEFAULT_TEMP.keySet())) {
                if (temps.stream().anyMatch(t -> t.directive().equals(directive))) {
                    continue;
                }
                String path = compiled.getOrDefault(directive, DEFAULT_TEMP.get(directive));
                temps.add(new NginxResult.Ref(directive, path(path), binaryPath, 0));
            }
        }

        NginxResult result(String conf, boolean guessed) {
            return new NginxResult(conf, prefix, guessed, files, user, group, pid, daemonOff, modules, errorLogs,
                    accessLogs, roots, sockets, listens, temps, other);
        }

        /** One file's directives with its includes spliced in. */
        List<NginxConf.Directive> load(String path, int depth) {
            files.add(path);
            Optional<TextFile> text = ctx.readText(path, findings);
            if (text.isEmpty()) {
                return List.of();
            }
            try {
                return splice(NginxConf.parse(text.get().content(), path), depth);
            } catch (IllegalArgumentException e) {
                findings.error(path, e);
                return List.of();
            }
        }

        private List<NginxConf.Directive> splice(List<NginxConf.Directive> in, int depth) {
            List<NginxConf.Directive> out = new ArrayList<>();
            for (NginxConf.Directive d : in) {
                if (d.name().equals("include") && d.block() == null) {
                    String pattern = d.arg(0);
                    String abs = pattern.startsWith("/") ? Paths.normalize(pattern) : Paths.join(confDir, pattern);
                    if (depth >= MAX_INCLUDE_DEPTH) {
                        findings.add(Finding.Kind.ERROR, d.file(), d.line(), "includes nested deeper than " + MAX_INCLUDE_DEPTH, Map.of());
                        continue;
                    }
                    List<String> matches = ctx.glob(abs);
                    if (matches.isEmpty() && !DetectionContext.hasWildcard(pattern)) {
                        findings.add(Finding.Kind.BLOCKER, d.file(), d.line(), "include " + pattern + ": " + abs
                                + " does not exist, nginx refuses to start", Map.of());
                    }
                    for (String m : matches) {
                        if (ctx.resolve(m).map(FileEntry::isRegular).orElse(false)) {
                            out.addAll(load(m, depth + 1));
                        }
                    }
                } else if (d.block() != null) {
                    out.add(new NginxConf.Directive(d.name(), d.args(), splice(d.block(), depth), d.file(), d.line()));
                } else {
                    out.add(d);
                }
            }
            return out;
        }

        void walk(List<NginxConf.Directive> directives, String context) {
            for (NginxConf.Directive d : directives) {
                String name = d.name();
                switch (name) {
                    case "user" -> {
                        user = d.arg(0);
                        group = d.arg(1);
                    }
                    case "pid" -> pid = ref(d, path(d.arg(0)));
                    case "daemon" -> daemonOff = d.arg(0).equals("off");
                    case "load_module" -> modules.add(ref(d, path(d.arg(0))));
                    case "error_log" -> errorLogs.add(ref(d, logPath(d.arg(0))));
                    case "access_log" -> accessLogs.add(ref(d, logPath(d.arg(0))));
                    case "root", "alias" -> roots.add(ref(d, path(d.arg(0))));
                    case "listen" -> listen(d);
                    default -> {
                        if (TEMP_PATHS.contains(name)) {
                            temps.add(ref(d, path(d.arg(0))));
                        } else if (PASSES.contains(name) || (name.equals("server") && context.equals("upstream"))) {
                            Matcher m = UNIX.matcher(d.arg(0));
                            if (m.matches()) {
                                sockets.add(ref(d, Paths.normalize(m.group(1))));
                            }
                        } else if (FILES.contains(name) && !d.arg(0).contains("$") && !d.arg(0).startsWith("data:")) {
                            other.add(ref(d, path(d.arg(0))));
                        }
                    }
                }
                if (d.block() != null) {
                    hasHttp |= name.equals("http");
                    walk(d.block(), name);
                }
            }
        }

        private void listen(NginxConf.Directive d) {
            String a = d.arg(0);
            if (a.startsWith("unix:")) {
                listens.add(new NginxResult.Listen(a, 0, Paths.normalize(a.substring(5)), d.file(), d.line()));
                return;
            }
            Matcher m = PORT.matcher(a);
            int port = m.matches() ? Integer.parseInt(m.group(1)) : 80;  // "listen 127.0.0.1;" means port 80
            listens.add(new NginxResult.Listen(a, port, "", d.file(), d.line()));
        }

        private NginxResult.Ref ref(NginxConf.Directive d, String path) {
            return new NginxResult.Ref(d.name(), path, d.file(), d.line());
        }

        private String path(String p) {
            if (p.isEmpty() || p.startsWith("/") || p.contains("$") && p.startsWith("$")) {
                return p.isEmpty() ? p : p.startsWith("/") ? Paths.normalize(p) : p;
            }
            return Paths.join(prefix, p);
        }

        private String logPath(String p) {
            if (p.equals("stderr") || p.equals("off") || p.startsWith("syslog:") || p.startsWith("memory:")) {
                return p;
            }
            return path(p);
        }
    }
}
