package dev.distill.engine.plan;

import java.util.List;

/**
 * How one program becomes one distroless image.
 *
 * @param name the program's name: the supervisord program name, or the entrypoint's file name
 * @param command the exec-form command line (entrypoint and arguments together)
 * @param user the user to run as, as the source names it (a name or a uid[:gid])
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
        List<PlanNote> warnings) {

    public ProgramPlan {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a program plan needs a name");
        }
        command = copy(command);
        env = copy(env);
        exposedPorts = copy(exposedPorts);
        files = copy(files);
        accounts = copy(accounts);
        writablePlaces = copy(writablePlaces);
        blockers = copy(blockers);
        warnings = copy(warnings);
    }

    /** The same plan run as another user, with these accounts. */
    public ProgramPlan withUser(String newUser, List<Account> newAccounts) {
        return new ProgramPlan(name, command, newUser, workingDir, env, exposedPorts, stopSignal, base, files, newAccounts,
                writablePlaces, blockers, warnings);
    }

    /** The same plan carrying these files. */
    public ProgramPlan withFiles(List<CarriedFile> newFiles) {
        return new ProgramPlan(name, command, user, workingDir, env, exposedPorts, stopSignal, base, newFiles, accounts,
                writablePlaces, blockers, warnings);
    }

    /** The same plan writing to these places. */
    public ProgramPlan withWritablePlaces(List<WritablePlace> places) {
        return new ProgramPlan(name, command, user, workingDir, env, exposedPorts, stopSignal, base, files, accounts,
                places, blockers, warnings);
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
