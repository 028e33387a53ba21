package dev.distill.engine.detect.nginx;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.ProgramProfile.AccountUse.Role;
import dev.distill.engine.detect.ProgramProfile.Writer;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.plan.Probe;
import java.util.Optional;

/**
 * nginx: its configuration with includes, the modules {@code load_module} makes it dlopen, the files its directives
 * name (certificates, password files), its document roots, the {@code user} its workers switch to, the places it
 * writes (pid, logs, temp directories, listening sockets), its listens, the unix sockets it passes requests to, and
 * SIGQUIT, its graceful stop.
 */
public final class NginxProgram implements ProgramKind {

    @Override
    public String name() {
        return "nginx";
    }

    static boolean isNginx(String executableName) {
        return executableName.equals("nginx") || executableName.equals("nginx-debug");
    }

    @Override
    public boolean reads(String path) {
        // Debian keeps the load_module snippets of its module packages and its default pages here.
        return path.startsWith("/usr/share/nginx/");
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!isNginx(launch.executableName())) {
            return Optional.empty();
        }
        NginxResult nginx = ctx.run(new NginxDetector()).result();
        ProgramProfile.Builder profile = ProgramProfile.builder(name()).stopSignal("SIGQUIT");
        if (!nginx.found()) {
            return Optional.of(profile.build());  // the detector's blocker says why
        }
        nginx.configFiles().forEach(p -> profile.file(p, "nginx configuration"));
        nginx.files().forEach(r -> profile.file(r.path(), "file named by nginx " + r.directive() + " (" + r.file() + ":"
                + r.line() + ")"));
        for (NginxResult.Ref m : nginx.modules()) {
            profile.object(m.path(), "nginx module (load_module, " + m.file() + ":" + m.line() + ")");
        }
        nginx.roots().stream().filter(r -> !r.path().contains("$"))
                .forEach(r -> profile.application(r.path(), "document root (" + r.file() + ":" + r.line() + ")"));
        if (!nginx.user().isEmpty()) {
            profile.account(nginx.user(), nginx.group(), Role.SWITCHES_TO, "nginx user", nginx.mainConfig(), 0);
        }
        if (nginx.pid() != null) {
            profile.place(nginx.pid().path(), Writer.PROGRAM, true, "nginx pid", nginx.pid().file(), nginx.pid().line());
        }
        for (NginxResult.Ref l : nginx.errorLogs()) {
            log(profile, l, "nginx error log");
        }
        for (NginxResult.Ref l : nginx.accessLogs()) {
            log(profile, l, "nginx access log");
        }
        for (NginxResult.Ref t : nginx.tempPaths()) {
            // A temp directory that is not there yet is made by the master at start (and handed to the workers),
            // so it is the master that needs its parent writable.
            Writer writer = ctx.isDirectory(t.path()) ? Writer.WORKER : Writer.PROGRAM;
            profile.place(t.path(), writer, false, "nginx " + t.directive(), t.file(), t.line());
        }
        for (NginxResult.Listen l : nginx.listens()) {
            if (!l.socket().isEmpty()) {
                profile.place(l.socket(), Writer.PROGRAM, true, "nginx listen socket", l.file(), l.line());
                profile.listen(ProgramProfile.Listen.socket(l.socket(), l.file(), l.line()));
            } else if (l.port() > 0) {
                profile.listen(ProgramProfile.Listen.port(l.port(), true, l.file(), l.line()));
                profile.probe(new Probe(Probe.Kind.HTTP, l.port(), "/"));
            }
        }
        for (NginxResult.Ref s : nginx.upstreamSockets()) {
            profile.connect(Paths.normalize(s.path()), s.directive(), s.file(), s.line());
        }
        return Optional.of(profile.listensKnown().build());
    }

    private static void log(ProgramProfile.Builder profile, NginxResult.Ref l, String purpose) {
        if (!l.isStream() && l.path().startsWith("/")) {
            profile.place(l.path(), Writer.PROGRAM, true, purpose, l.file(), l.line());
        }
    }
}
