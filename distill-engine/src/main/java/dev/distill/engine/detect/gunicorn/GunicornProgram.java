package dev.distill.engine.detect.gunicorn;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.ProgramProfile.Writer;
import dev.distill.engine.plan.Probe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * gunicorn: where it listens (each {@code --bind}, else {@code $PORT}, else 127.0.0.1:8000; also from
 * {@code GUNICORN_CMD_ARGS} and a {@code bind} in its configuration file), the files its options make it write (pid,
 * logs, the workers' heartbeat directory) and its configuration file. It speaks HTTP there.
 */
public final class GunicornProgram implements ProgramKind {

    private static final Pattern PORT = Pattern.compile("(?:.*:)?(\\d{1,5})");
    private static final Pattern CONFIG_BIND = Pattern.compile("(?m)^bind\\s*=\\s*(.+)$");
    private static final Pattern QUOTED = Pattern.compile("['\"]([^'\"]+)['\"]");

    @Override
    public String name() {
        return "gunicorn";
    }

    static boolean isGunicorn(Launch launch) {
        List<String> argv = launch.argv();
        int m = argv.indexOf("-m");
        return launch.scriptName().equals("gunicorn") || launch.executableName().equals("gunicorn")
                || (m > 0 && m + 1 < argv.size() && argv.get(m + 1).equals("gunicorn"));
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!isGunicorn(launch)) {
            return Optional.empty();
        }
        ProgramProfile.Builder profile = ProgramProfile.builder(name()).listensKnown();
        List<String> args = new ArrayList<>();
        String fromEnv = launch.env("GUNICORN_CMD_ARGS");
        if (fromEnv != null && !fromEnv.isBlank()) {
            args.addAll(List.of(fromEnv.strip().split("\\s+")));
        }
        args.addAll(gunicornArguments(launch));
        List<String> binds = new ArrayList<>();
        String config = null;
        String chdir = launch.workingDir();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value = i + 1 < args.size() ? args.get(i + 1) : null;
            String inline = a.contains("=") ? a.substring(a.indexOf('=') + 1) : null;
            String opt = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            String v = inline != null ? inline : value;
            if (v == null) {
                continue;
            }
            switch (opt) {
                case "-b", "--bind" -> binds.add(v);
                case "-c", "--config" -> config = v;
                case "--chdir" -> chdir = launch.absolute(v);
                case "-p", "--pid" -> profile.place(launch.absolute(v), Writer.PROGRAM, true, "gunicorn pid", "", 0);
                case "--worker-tmp-dir" -> profile.place(launch.absolute(v), Writer.PROGRAM, false,
                        "gunicorn worker heartbeat files", "", 0);
                case "--access-logfile", "--error-logfile", "--log-file" -> {
                    if (!v.equals("-")) {
                        profile.place(launch.absolute(v), Writer.PROGRAM, true, "gunicorn " + opt.substring(2), "", 0);
                    }
                }
                default -> {
                    continue;
                }
            }
            if (inline == null) {
                i++;
            }
        }
        String configFile = config != null ? (config.startsWith("python:") ? null : absolute(chdir, config))
                : chdir + "/gunicorn.conf.py";
        if (configFile != null && ctx.exists(configFile)) {
            profile.file(configFile, "gunicorn configuration");
            String text = ctx.readTexts(List.of(configFile), DetectionContext.TEXT_LIMIT).getOrDefault(configFile, "");
            Matcher m = CONFIG_BIND.matcher(text);
            if (binds.isEmpty() && m.find()) {
                Matcher q = QUOTED.matcher(m.group(1));
                while (q.find()) {
                    binds.add(q.group(1));
                }
            }
        } else if (config != null && configFile != null) {
            profile.note(Finding.Kind.WARNING, configFile, 0, "gunicorn is given the configuration " + config
                    + ", which is not in the image");
        }
        if (binds.isEmpty()) {
            String port = launch.env("PORT");
            binds.add(port != null && port.matches("\\d{1,5}") ? "0.0.0.0:" + port : "127.0.0.1:8000");
        }
        for (String b : binds) {
            if (b.startsWith("unix:")) {
                String socket = absolute(chdir, b.substring("unix:".length()));
                profile.place(socket, Writer.PROGRAM, true, "gunicorn listen socket", "", 0);
                profile.listen(ProgramProfile.Listen.socket(socket, "", 0));
                continue;
            }
            Matcher m = PORT.matcher(b);
            if (m.matches()) {
                int port = Integer.parseInt(m.group(1));
                if (port > 0 && port <= 65535) {
                    profile.listen(ProgramProfile.Listen.port(port, true, "", 0));
                    profile.probe(new Probe(Probe.Kind.HTTP, port, "/"));
                }
            }
        }
        if (args.contains("-D") || args.contains("--daemon")) {
            profile.note(Finding.Kind.BLOCKER, "", 0, "gunicorn is started with --daemon: it would leave the container's"
                    + " foreground at once");
        }
        return Optional.of(profile.build());
    }

    /** gunicorn's own arguments: after its script (or after {@code -m gunicorn}). */
    private static List<String> gunicornArguments(Launch launch) {
        List<String> argv = launch.argv();
        for (int i = 0; i < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals(launch.script()) || a.equals("gunicorn") && i > 0 && argv.get(i - 1).equals("-m")
                    || i == 0 && launch.executableName().equals("gunicorn")) {
                return argv.subList(i + 1, argv.size());
            }
        }
        return List.of();
    }

    private static String absolute(String dir, String path) {
        return path.startsWith("/") ? dev.distill.engine.fs.Paths.normalize(path) : dev.distill.engine.fs.Paths.join(dir, path);
    }
}
