package dev.distill.engine.detect.supervisord;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.detect.shell.EntrypointResult;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
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
 * Finds supervisord's configuration (the {@code -c} of the container's supervisord command, else
 * {@code /etc/supervisord.conf}, {@code /etc/supervisor/supervisord.conf}, else the files of
 * {@code /etc/supervisor/conf.d}), follows {@code [include]} globs and reads every program.
 */
public final class SupervisordDetector implements Detector<SupervisordResult> {

    public static final String NAME = "supervisord";

    static final List<String> STANDARD_LOCATIONS = List.of("/etc/supervisord.conf", "/etc/supervisor/supervisord.conf");
    static final String CONF_D = "/etc/supervisor/conf.d/*.conf";

    private static final Pattern EXPANSION = Pattern.compile("%\\(([A-Za-z0-9_]+)\\)([-#0 +]*)(\\d*)([sd])|%%");
    private static final int MAX_INCLUDE_DEPTH = 10;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<SupervisordResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        EntrypointResult entry = ctx.run(new ShellDetector()).result();
        List<String> cmdline = supervisordCommand(entry);
        String main = "";
        if (cmdline != null) {
            String c = option(cmdline, "-c", "--configuration");
            if (c != null) {
                main = c.startsWith("/") ? Paths.normalize(c) : Paths.join(ctx.workingDir(), c);
                if (!ctx.exists(main)) {
                    findings.blocker(main, 0, "supervisord is started with -c " + c + " but " + main + " does not exist");
                    return findings.done(SupervisordResult.NONE);
                }
            }
        }
        if (main.isEmpty()) {
            main = searchPath(ctx, cmdline).stream().filter(p -> ctx.resolve(p).map(e -> e.isRegular()).orElse(false))
                    .findFirst().orElse("");
        }
        List<String> roots = new ArrayList<>();
        if (!main.isEmpty()) {
            roots.add(main);
        } else {
            roots.addAll(ctx.glob(CONF_D));
            if (roots.isEmpty()) {
                if (cmdline != null) {
                    findings.warning("", "the container runs supervisord but no configuration was found at "
                            + STANDARD_LOCATIONS + " or " + CONF_D);
                }
                return findings.done(SupervisordResult.NONE);
            }
            findings.warning(roots.get(0), "no supervisord.conf at " + STANDARD_LOCATIONS + "; reading " + CONF_D + " instead");
        }
        Reader reader = new Reader(ctx, findings);
        for (String root : roots) {
            reader.read(root, 0);
        }
        SupervisordResult result = reader.result(main);
        if (cmdline == null && result.found()) {
            findings.info(result.configFiles().get(0), "supervisord is configured in the image but the container command ("
                    + String.join(" ", entry.declared()) + ") does not run it directly");
        }
        for (SupervisordResult.Program p : result.programs()) {
            findings.add(Finding.Kind.INFO, p.file(), p.line(), "supervisord " + p.kind() + " '" + p.name() + "' runs "
                    + p.command() + (p.user().isEmpty() ? "" : " as " + p.user()),
                    Map.of("program", p.name(), "command", String.join(" ", p.command()), "executable", p.executable()));
            if (p.executable().isEmpty() && !p.command().isEmpty()) {
                findings.blocker(p.file(), p.line(), "program '" + p.name() + "': '" + p.command().get(0)
                        + "' is not found in the image");
            }
        }
        if (result.programs().size() > 1) {
            findings.info(result.mainConfig().isEmpty() ? result.configFiles().get(0) : result.mainConfig(),
                    "supervisord runs " + result.programs().size() + " programs: each becomes its own distroless image");
        }
        return findings.done(result);
    }

    /**
     * Where supervisord looks without {@code -c}, in its order: ../etc/supervisord.conf and ../supervisord.conf
     * relative to the executable, the working directory's supervisord.conf and etc/supervisord.conf, then
     * {@link #STANDARD_LOCATIONS}.
     */
    static List<String> searchPath(DetectionContext ctx, List<String> cmdline) {
        List<String> out = new ArrayList<>();
        if (cmdline != null && !cmdline.isEmpty() && cmdline.get(0).endsWith("supervisord")) {
            ctx.which(cmdline.get(0)).ifPresent(exe -> {
                String up = Paths.parent(Paths.parent(exe));
                out.add(Paths.join(up, "etc/supervisord.conf"));
                out.add(Paths.join(up, "supervisord.conf"));
            });
        }
        out.add(Paths.join(ctx.workingDir(), "supervisord.conf"));
        out.add(Paths.join(ctx.workingDir(), "etc/supervisord.conf"));
        out.addAll(STANDARD_LOCATIONS);
        return out.stream().distinct().toList();
    }

    /** The supervisord argv of the container command, or null when the container does not run supervisord. */
    static List<String> supervisordCommand(EntrypointResult entry) {
        if (!entry.command().isEmpty() && isSupervisord(entry.command())) {
            return entry.command();
        }
        for (EntrypointResult.Hop hop : entry.hops()) {
            if (isSupervisord(hop.argv())) {
                return hop.argv();
            }
        }
        return entry.invocation(name -> name.equals("supervisord")).orElse(null);
    }

    static boolean isSupervisord(List<String> argv) {
        if (argv.isEmpty()) {
            return false;
        }
        String base = argv.get(0).substring(argv.get(0).lastIndexOf('/') + 1);
        if (base.equals("supervisord")) {
            return true;
        }
        // python -m supervisor.supervisord
        int m = argv.indexOf("-m");
        return base.startsWith("python") && m >= 0 && m + 1 < argv.size() && argv.get(m + 1).startsWith("supervisor.supervisord");
    }

    /** The value of {@code -c X}, {@code -cX}, {@code --configuration X} or {@code --configuration=X}. */
    static String option(List<String> argv, String shortName, String longName) {
        for (int i = 1; i < argv.size(); i++) {
            String a = argv.get(i);
            if ((a.equals(shortName) || a.equals(longName)) && i + 1 < argv.size()) {
                return argv.get(i + 1);
            }
            if (a.startsWith(longName + "=")) {
                return a.substring(longName.length() + 1);
            }
            if (a.startsWith(shortName) && a.length() > shortName.length() && !a.startsWith("--")) {
                return a.substring(shortName.length());
            }
        }
        return null;
    }

    /** Reads files and includes, collecting sections. */
    private static final class Reader {
        private final DetectionContext ctx;
        private final Findings findings;
        private final Set<String> files = new LinkedHashSet<>();
        private final List<SupervisordResult.Program> programs = new ArrayList<>();
        private SupervisordResult.Daemon daemon = SupervisordResult.Daemon.DEFAULT;
        private String socket = "";

        Reader(DetectionContext ctx, Findings findings) {
            this.ctx = ctx;
            this.findings = findings;
        }

        SupervisordResult result(String main) {
            return new SupervisordResult(main, List.copyOf(files), daemon, programs, socket);
        }

        void read(String path, int depth) {
            if (!files.add(path)) {
                return;
            }
            Optional<TextFile> text = ctx.readText(path, findings);
            if (text.isEmpty()) {
                return;
            }
            List<SupervisorIni.Section> sections;
            try {
                sections = SupervisorIni.parse(text.get().content());
            } catch (IllegalArgumentException e) {
                findings.error(path, e);
                return;
            }
            String here = Paths.parent(path);
            for (SupervisorIni.Section s : sections) {
                try {
                    section(path, here, s, depth);
                } catch (IllegalArgumentException e) {
                    findings.add(Finding.Kind.ERROR, path, s.line(), "section [" + s.name() + "]: " + e.getMessage(), Map.of());
                }
            }
        }

        private void section(String path, String here, SupervisorIni.Section s, int depth) {
            Map<String, String> vars = baseVars(here);
            String name = s.name();
            if (name.equals("include")) {
                String files = s.get("files");
                if (files == null) {
                    findings.add(Finding.Kind.WARNING, path, s.line(), "[include] without files=", Map.of());
                    return;
                }
                if (depth >= MAX_INCLUDE_DEPTH) {
                    findings.add(Finding.Kind.ERROR, path, s.line(), "includes nested deeper than " + MAX_INCLUDE_DEPTH, Map.of());
                    return;
                }
                for (String pattern : expand(files, vars).split("\\s+")) {
                    if (pattern.isEmpty()) {
                        continue;
                    }
                    String abs = pattern.startsWith("/") ? pattern : here + "/" + pattern;
                    List<String> matches = ctx.glob(abs);
                    if (matches.isEmpty()) {
                        findings.add(Finding.Kind.INFO, path, s.lineOf("files"), "[include] " + pattern + " matches no file", Map.of());
                    }
                    for (String m : matches) {
                        if (ctx.resolve(m).map(e -> e.isRegular()).orElse(false)) {
                            read(m, depth + 1);
                        }
                    }
                }
            } else if (name.equals("supervisord")) {
                daemon = new SupervisordResult.Daemon(
                        value(s, "user", vars), value(s, "logfile", vars), value(s, "pidfile", vars),
                        bool(value(s, "nodaemon", vars), false), value(s, "childlogdir", vars));
            } else if (name.equals("unix_http_server")) {
                socket = value(s, "file", vars);
            } else if (name.startsWith("program:") || name.startsWith("fcgi-program:") || name.startsWith("eventlistener:")) {
                programs.add(program(path, s, vars));
            }
        }

        private Map<String, String> baseVars(String here) {
            Map<String, String> vars = new HashMap<>();
            vars.put("here", here);
            vars.put("host_node_name", "localhost");
            for (String e : ctx.config().env()) {
                int eq = e.indexOf('=');
                if (eq > 0) {
                    vars.put("ENV_" + e.substring(0, eq), e.substring(eq + 1));
                }
            }
            return vars;
        }

        private SupervisordResult.Program program(String path, SupervisorIni.Section s, Map<String, String> base) {
            String kind = s.name().substring(0, s.name().indexOf(':'));
            String name = s.name().substring(s.name().indexOf(':') + 1).strip();
            Map<String, String> vars = new HashMap<>(base);
            vars.put("program_name", name);
            vars.put("group_name", name);
            vars.put("process_num", "0");
            String numprocsText = value(s, "numprocs", vars);
            int numprocs = numprocsText.isEmpty() ? 1 : Integer.parseInt(numprocsText.strip());
            vars.put("numprocs", String.valueOf(numprocs));
            String commandText = s.get("command");
            List<String> command = List.of();
            String executable = "";
            if (commandText == null) {
                findings.add(Finding.Kind.ERROR, path, s.line(), "[" + s.name() + "] has no command=", Map.of());
            } else {
                try {
                    command = Shlex.split(expand(commandText, vars));
                } catch (IllegalArgumentException e) {
                    findings.add(Finding.Kind.ERROR, path, s.lineOf("command"), "[" + s.name() + "] command: " + e.getMessage(), Map.of());
                }
                if (!command.isEmpty()) {
                    executable = ctx.which(command.get(0)).orElse("");
                }
            }
            String env = value(s, "environment", vars);
            Map<String, String> environment = new LinkedHashMap<>();
            if (!env.isEmpty()) {
                try {
                    environment = keyValuePairs(env);
                } catch (IllegalArgumentException e) {
                    findings.add(Finding.Kind.ERROR, path, s.lineOf("environment"), "[" + s.name() + "] environment: " + e.getMessage(), Map.of());
                }
            }
            String priority = value(s, "priority", vars);
            String autorestart = value(s, "autorestart", vars);
            String stdout = value(s, "stdout_logfile", vars);
            String stderr = value(s, "stderr_logfile", vars);
            return new SupervisordResult.Program(name, kind, path, s.line(), command, executable, value(s, "user", vars),
                    value(s, "directory", vars), environment, autorestart.isEmpty() ? "unexpected" : autorestart.toLowerCase(),
                    bool(value(s, "autostart", vars), true), priority.isEmpty() ? 999 : Integer.parseInt(priority.strip()),
                    numprocs, stdout.isEmpty() ? "AUTO" : stdout, stderr.isEmpty() ? "AUTO" : stderr,
                    bool(value(s, "redirect_stderr", vars), false), value(s, "stopsignal", vars).strip());
        }

        private static String value(SupervisorIni.Section s, String key, Map<String, String> vars) {
            String v = s.get(key);
            return v == null ? "" : expand(v, vars);
        }
    }

    /** Python %-formatting with the names supervisor defines: {@code %(here)s}, {@code %(ENV_X)s}, {@code %%}. */
    static String expand(String value, Map<String, String> vars) {
        Matcher m = EXPANSION.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String rep;
            if (m.group().equals("%%")) {
                rep = "%";
            } else {
                String v = vars.get(m.group(1));
                if (v == null) {
                    throw new IllegalArgumentException("'" + value + "' names %(" + m.group(1) + ") which cannot be expanded");
                }
                if (m.group(4).equals("d") && !m.group(3).isEmpty()) {
                    String width = m.group(3);
                    rep = String.format("%" + (m.group(2).contains("0") ? "0" : "") + width + "d", Long.parseLong(v));
                } else {
                    rep = v;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(rep));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** {@code KEY="val",KEY2=val2}: commas inside quotes belong to the value. */
    static Map<String, String> keyValuePairs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> pairs = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        for (char c : text.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == ',') {
                pairs.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unclosed quote in '" + text + "'");
        }
        pairs.add(cur.toString());
        for (String pair : pairs) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("'" + pair.strip() + "' is not KEY=value");
            }
            out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
        }
        return out;
    }

    static boolean bool(String v, boolean fallback) {
        if (v == null || v.isEmpty()) {
            return fallback;
        }
        return switch (v.strip().toLowerCase()) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> fallback;
        };
    }
}
