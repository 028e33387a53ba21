package dev.distill.engine.detect.redis;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.ProgramProfile.Writer;
import dev.distill.engine.plan.Probe;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * redis-server: its configuration file and {@code include}s with the command line's {@code --name value} over them;
 * it listens on {@code port} (6379 unless set; 0 turns TCP off) and {@code unixsocket}, writes its snapshots and
 * append-only files into {@code dir} (the working directory unless set), and its {@code pidfile} and {@code logfile}.
 */
public final class RedisProgram implements ProgramKind {

    private static final int DEFAULT_PORT = 6379;
    private static final int MAX_INCLUDES = 8;

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!launch.executableName().equals("redis-server")) {
            return Optional.empty();
        }
        ProgramProfile.Builder profile = ProgramProfile.builder(name()).listensKnown();
        Map<String, String> settings = new LinkedHashMap<>();
        List<String> args = launch.arguments();
        int i = 0;
        if (!args.isEmpty() && !args.get(0).startsWith("-")) {
            read(ctx, launch.absolute(args.get(0)), settings, profile, 0);
            i = 1;
        }
        for (; i < args.size(); i++) {
            String a = args.get(i);
            if (a.startsWith("--") && i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                settings.put(a.substring(2).toLowerCase(), args.get(++i));
            }
        }
        int port = number(settings.getOrDefault("port", String.valueOf(DEFAULT_PORT)));
        if (port > 0) {
            profile.listen(ProgramProfile.Listen.port(port, false, "", 0)).probe(new Probe(Probe.Kind.TCP, port, ""));
        }
        String socket = settings.get("unixsocket");
        if (socket != null && !socket.isEmpty()) {
            String path = launch.absolute(unquote(socket));
            profile.listen(ProgramProfile.Listen.socket(path, "", 0));
            profile.place(path, Writer.PROGRAM, true, "redis unix socket", "", 0);
        }
        String dir = settings.containsKey("dir") ? launch.absolute(unquote(settings.get("dir"))) : launch.workingDir();
        profile.place(dir, Writer.PROGRAM, false, "redis data directory (snapshots, append-only file)", "", 0);
        for (String key : List.of("pidfile", "logfile")) {
            String v = settings.get(key);
            if (v != null && !unquote(v).isEmpty() && !unquote(v).startsWith("/dev/")) {
                profile.place(launch.absolute(unquote(v)), Writer.PROGRAM, true, "redis " + key, "", 0);
            }
        }
        if ("yes".equalsIgnoreCase(settings.getOrDefault("daemonize", "no"))) {
            profile.note(Finding.Kind.BLOCKER, "", 0, "redis-server is set to daemonize: it would leave the container's"
                    + " foreground at once");
        }
        return Optional.of(profile.build());
    }

    /** One configuration file: {@code name value...} lines, {@code #} comments, {@code include}s read in place. */
    private static void read(DetectionContext ctx, String file, Map<String, String> settings, ProgramProfile.Builder profile,
            int depth) {
        String text = ctx.readTexts(List.of(file), DetectionContext.TEXT_LIMIT).get(file);
        if (text == null) {
            profile.note(Finding.Kind.BLOCKER, file, 0, "redis-server is given the configuration " + file
                    + ", which is not in the image");
            return;
        }
        profile.file(file, "redis configuration");
        List<String> includes = new ArrayList<>();
        for (String line : text.lines().toList()) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] kv = l.split("\\s+", 2);
            String key = kv[0].toLowerCase();
            String value = kv.length > 1 ? kv[1].strip() : "";
            if (key.equals("include")) {
                includes.add(unquote(value));
            } else {
                settings.put(key, value);
            }
        }
        if (depth < MAX_INCLUDES) {
            includes.forEach(inc -> read(ctx, inc, settings, profile, depth + 1));
        }
    }

    private static String unquote(String v) {
        String s = v.strip();
        return s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))
                ? s.substring(1, s.length() - 1) : s;
    }

    private static int number(String v) {
        try {
            return Integer.parseInt(unquote(v));
        } catch (NumberFormatException e) {
            return DEFAULT_PORT;
        }
    }
}
