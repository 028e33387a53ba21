package dev.distill.engine.plan;

import dev.distill.engine.identity.Identity;
import java.util.List;

/**
 * How one program becomes one distroless image.
 *
 * @param name the program's name: the supervisord program name, or the entrypoint's file name
 * @param command the exec-form command line (entrypoint and arguments together; a {@code #!} script on its
 *     interpreter)
 * @param user the user the source runs it as, as the source names it (a name or a uid[:gid]); for reports
 * @param kind the program kinds that know it ({@code php-fpm}, {@code python+gunicorn}; {@code program} for none)
 * @param role whether it serves or runs once before the services
 * @param runAs who the result runs it as, resolved once here for the builder, the wiring and the verifier
 * @param runAsReason why that identity, for the build report
 * @param writablePlaces the directories it writes, owned as {@code runAs} needs them
 * @param probes how its kinds say it is seen to work
 */
public record ProgramPlan(
        String name,
        List<String> command,
        String user,
        String workingDir,
        List<String> env,
        List<String> exposedPorts,
        String stopSignal,
        BaseChoice base,
        List<CarriedFile> files,
        List<Account> accounts,
        List<WritablePlace> writablePlaces,
        List<PlanNote> blockers,
        List<PlanNote> warnings,
        String kind,
        ProgramRole role,
        Identity runAs,
        String runAsReason,
        List<Probe> probes) {

    public ProgramPlan {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a program plan needs a name");
        }
        if (runAs == null) {
            throw new IllegalArgumentException("program plan " + name + " needs the identity it runs as"
                    + " (an analysis by an older Distill has none: analyse the image again)");
        }
        kind = kind == null || kind.isBlank() ? "program" : kind;
        role = role == null ? ProgramRole.SERVICE : role;
        runAsReason = runAsReason == null ? "" : runAsReason;
        probes = copy(probes);
        command = copy(command);
        env = copy(env);
        exposedPorts = copy(exposedPorts);
        files = copy(files);
        accounts = copy(accounts);
        writablePlaces = copy(writablePlaces);
        blockers = copy(blockers);
        warnings = copy(warnings);
    }

    /** The same plan with other files (a repair round adds the ones the program failed to open). */
    public ProgramPlan withFiles(List<CarriedFile> newFiles) {
        return new ProgramPlan(name, command, user, workingDir, env, exposedPorts, stopSignal, base, newFiles, accounts,
                writablePlaces, blockers, warnings, kind, role, runAs, runAsReason, probes);
    }

    /** The same plan writing to these places (the image's volumes, an entrypoint's ownership fixes). */
    public ProgramPlan withWritablePlaces(List<WritablePlace> places) {
        return new ProgramPlan(name, command, user, workingDir, env, exposedPorts, stopSignal, base, files, accounts,
                places, blockers, warnings, kind, role, runAs, runAsReason, probes);
    }

    /** The same plan run as another identity, for this reason, with these accounts. */
    public ProgramPlan withRunAs(Identity identity, String reason, List<Account> newAccounts) {
        return new ProgramPlan(name, command, user, workingDir, env, exposedPorts, stopSignal, base, files, newAccounts,
                writablePlaces, blockers, warnings, kind, role, identity, reason, probes);
    }

    /** The same plan in another role (an entrypoint step's program runs once, before the services). */
    public ProgramPlan withRole(ProgramRole newRole) {
        return new ProgramPlan(name, command, user, workingDir, env, exposedPorts, stopSignal, base, files, accounts,
                writablePlaces, blockers, warnings, kind, newRole, runAs, runAsReason, probes);
    }

    /** Blocked with any blocker, needs review with any warning, migratable otherwise. */
    public Classification classification() {
        if (!blockers.isEmpty()) {
            return Classification.BLOCKED;
        }
        return warnings.isEmpty() ? Classification.MIGRATABLE : Classification.NEEDS_REVIEW;
    }

    private static <T> List<T> copy(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }
}
