package dev.distill.engine.detect.supervisord;

import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramKind;
import dev.distill.engine.detect.ProgramProfile;
import java.util.List;
import java.util.Optional;

/**
 * supervisord: a process manager, replaced by the programs it runs (one image each). For each program it says the
 * command, the user the program really ends up as (a program's {@code user=} takes effect only when supervisord runs
 * as root), its directory, environment and the signal supervisord stops it with.
 */
public final class SupervisordProgram implements ProgramKind {

    @Override
    public String name() {
        return "supervisord";
    }

    static boolean isSupervisord(Launch launch) {
        return launch.executableName().equals("supervisord") || launch.scriptName().equals("supervisord")
                || SupervisordDetector.isSupervisord(launch.argv());
    }

    @Override
    public Optional<ProgramProfile> profile(Launch launch, DetectionContext ctx) {
        if (!isSupervisord(launch)) {
            return Optional.empty();
        }
        SupervisordResult sup = ctx.run(new SupervisordDetector()).result();
        ProgramProfile.Builder profile = ProgramProfile.builder(name());
        String main = sup.mainConfig().isEmpty() && !sup.configFiles().isEmpty() ? sup.configFiles().get(0) : sup.mainConfig();
        String runsAs = launch.user();
        if (!sup.daemon().user().isEmpty()) {
            if (ctx.isRoot(runsAs)) {
                runsAs = sup.daemon().user();
            } else if (!sup.daemon().user().equals(runsAs)) {
                profile.note(Finding.Kind.WARNING, main, 0, "supervisord [supervisord] user=" + sup.daemon().user()
                        + " has no effect: supervisord runs as " + runsAs + ", not root");
            }
        }
        for (SupervisordResult.Program p : sup.programs()) {
            if (p.kind().equals("eventlistener")) {
                profile.note(Finding.Kind.WARNING, p.file(), p.line(), "eventlistener '" + p.name() + "' speaks supervisord's"
                        + " event protocol on its standard input: without supervisord it has nothing to listen to, so it"
                        + " is not migrated");
                continue;
            }
            if (p.command().isEmpty()) {
                continue;  // the detector reports the missing command=
            }
            String user = runsAs;
            if (!p.user().isEmpty()) {
                if (ctx.isRoot(runsAs)) {
                    user = p.user();
                } else if (!p.user().equals(runsAs)) {
                    profile.note(Finding.Kind.WARNING, p.file(), p.line(), "supervisord program " + p.name() + " user="
                            + p.user() + " has no effect: supervisord runs as " + (runsAs.isEmpty() ? "root" : runsAs)
                            + ", not root, and the program keeps that user");
                }
            }
            if (p.numprocs() > 1) {
                profile.note(Finding.Kind.INFO, p.file(), p.line(), "supervisord program " + p.name() + " runs "
                        + p.numprocs() + " processes (numprocs): its image runs one; run " + p.numprocs()
                        + " replicas of its container instead");
            }
            List<String> argv = p.command();
            profile.child(new ProgramProfile.Child(p.name(), argv, user, p.directory().isEmpty() ? launch.workingDir()
                    : p.directory(), p.environment(), p.stopSignal().isEmpty() ? null : p.stopSignal(), p.file(), p.line()));
        }
        ProgramProfile built = profile.build();
        if (!built.supervises()) {
            profile.note(Finding.Kind.BLOCKER, main, 0, "the container runs supervisord, but supervisord runs no program"
                    + " that could become an image of its own" + (main.isEmpty() ? " (no configuration found)" : ""));
            built = profile.build();
        }
        return Optional.of(built);
    }
}
