package dev.distill.engine.detect.php;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.ProgramProfile.AccountUse.Role;
import dev.distill.engine.detect.ProgramProfile.Writer;
import dev.distill.engine.detect.nginx.NginxDetector;
import dev.distill.engine.detect.nginx.NginxResult;
import dev.distill.engine.plan.Probe;
import java.util.Optional;

/**
 * php-fpm: its ini files and the extensions they make it dlopen, its configuration and pools, the application
 * the web server hands it (nginx's roots: php-fpm executes the scripts nginx names in {@code SCRIPT_FILENAME}), the
 * places it writes (pid, sockets, logs; sessions and uploads as the pool's user), the pool user it switches to, its
 * TCP or unix socket listens, and SIGQUIT, its graceful stop.
 */
public final class PhpFpmProgram implements ProgramKind {

    @Override
    public String name() {
        return "php-fpm";
    }

    static boolean isPhpFpm(Launch launch) {
        return launch.executableName().startsWith("php-fpm");
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!isPhpFpm(launch)) {
            return Optional.empty();
        }
        PhpResult php = ctx.run(new PhpDetector()).result();
        ProgramProfile.Builder profile = ProgramProfile.builder(name()).stopSignal("SIGQUIT");
        PhpPrograms.installations(php.installationsFor("fpm"), profile, Writer.WORKER);
        for (PhpResult.FpmConfig fpm : php.fpm()) {
            fpm.files().forEach(f -> profile.file(f, "php-fpm configuration"));
            if (!fpm.pid().isEmpty()) {
                profile.place(fpm.pid(), Writer.PROGRAM, true, "php-fpm pid", fpm.path(), 0);
            }
            PhpPrograms.log(profile, fpm.errorLog(), "php-fpm error log", fpm.path(), 0);
            for (PhpResult.Pool pool : fpm.pools()) {
                String src = "php-fpm pool " + pool.name();
                if (!pool.user().isEmpty() || !pool.group().isEmpty()) {
                    profile.account(pool.user(), pool.group(), Role.SWITCHES_TO, src + " user", pool.file(), pool.line());
                }
                if (!pool.listenOwner().isEmpty() || !pool.listenGroup().isEmpty()) {
                    profile.account(pool.listenOwner(), pool.listenGroup(), Role.NAMES, src + " listen.owner",
                            pool.file(), pool.line());
                }
                if (!pool.listenSocket().isEmpty()) {
                    profile.place(pool.listenSocket(), Writer.PROGRAM, true, "php-fpm socket", pool.file(), pool.line());
                    profile.listen(ProgramProfile.Listen.socket(pool.listenSocket(), pool.file(), pool.line()));
                } else if (pool.listenPort() > 0) {
                    profile.listen(ProgramProfile.Listen.port(pool.listenPort(), false, pool.file(), pool.line()));
                    profile.probe(new Probe(Probe.Kind.TCP, pool.listenPort(), ""));
                }
                PhpPrograms.log(profile, pool.accessLog(), src + " access log", pool.file(), pool.line());
                PhpPrograms.log(profile, pool.slowlog(), src + " slow log", pool.file(), pool.line());
                if (!pool.chdir().isEmpty()) {
                    profile.application(pool.chdir(), "php-fpm pool " + pool.name() + " chdir");
                }
            }
        }
        // The PHP scripts live where nginx's root points; php-fpm reads them through SCRIPT_FILENAME.
        NginxResult nginx = ctx.run(new NginxDetector()).result();
        nginx.roots().stream().filter(r -> !r.path().contains("$")).forEach(r -> profile.application(r.path(),
                "application files (nginx root " + r.file() + ":" + r.line() + ", executed by php-fpm)"));
        return Optional.of(profile.listensKnown().build());
    }
}
