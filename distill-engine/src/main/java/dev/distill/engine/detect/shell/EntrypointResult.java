package dev.distill.engine.detect.shell;

import java.util.List;
import java.util.Map;

/**
 * The container's command as the image declares it and as far as it could be followed.
 *
 * @param declared ENTRYPOINT followed by CMD, as Docker combines them
 * @param verdict how far the command could be followed
 * @param command the final argv in exec form (argv[0] as written), empty when it is not known
 * @param program the absolute image path argv[0] of {@code command} resolves to through PATH, {@code ""}
 *     when unknown
 * @param hops every program the command passed through, from the declared one to the final one
 * @param environment variables the wrappers export to the final program (literal values only)
 * @param blockers why the command needs a shell at run time, each with the script path and line
 * @param steps what the wrappers run before the command, each with what becomes of it
 * @param runAs the user a wrapper switches to before the command ({@code gosu}, {@code setpriv}...), or null
 * @param workingDir where a wrapper's {@code cd} leaves the command, {@code ""} when it stays in the image's
 */
public record EntrypointResult(List<String> declared, Verdict verdict, List<String> command, String program,
                               List<Hop> hops, Map<String, String> environment, List<Blocker> blockers,
                               List<StartupStep> steps, RunAs runAs, String workingDir) {

    public enum Verdict {
        /** The declared command is already a program run directly. */
        EXEC,
        /** Shell wrappers were followed statically to a program: {@code command} is its exec form. */
        RESOLVED,
        /** The final program is a script for a non-shell interpreter (python, php, perl...). */
        INTERPRETED,
        /** A shell is needed at run time: see {@code blockers}. */
        NEEDS_SHELL,
        /** argv[0] does not exist in the image. */
        NOT_FOUND,
        /** The image declares neither ENTRYPOINT nor CMD. */
        NO_COMMAND,
        /** The program is neither ELF nor a script with a shebang. */
        UNKNOWN
    }

    public enum HopKind { ELF, SHELL_SCRIPT, SHELL_C, INTERPRETED_SCRIPT, OTHER }

    /**
     * One program on the way.
     *
     * @param path its absolute path in the image ({@code ""} for an inline {@code sh -c} script's text)
     * @param interpreter for a script, its shebang interpreter and argument
     */
    public record Hop(List<String> argv, String path, HopKind kind, String interpreter) {
        public Hop {
            argv = List.copyOf(argv);
        }
    }

    /** A reason a script needs a shell, at {@code path:line}. */
    public record Blocker(String path, int line, String reason) {
    }

    /**
     * The user a wrapper drops to before the command, with the ids the image's {@code /etc/passwd} and
     * {@code /etc/group} give it.
     *
     * @param via the tool and where it is run ({@code setpriv at /usr/local/bin/docker-entrypoint.sh})
     */
    public record RunAs(String user, int uid, String group, int gid, String home, String via) {
    }

    public EntrypointResult {
        declared = List.copyOf(declared);
        command = List.copyOf(command);
        hops = List.copyOf(hops);
        environment = Map.copyOf(environment);
        blockers = List.copyOf(blockers);
        steps = steps == null ? List.of() : List.copyOf(steps);
        workingDir = workingDir == null ? "" : workingDir;
    }

    /** A command without steps run before it, nor a user switch. */
    public EntrypointResult(List<String> declared, Verdict verdict, List<String> command, String program,
            List<Hop> hops, Map<String, String> environment, List<Blocker> blockers) {
        this(declared, verdict, command, program, hops, environment, blockers, List.of(), null, "");
    }

    /**
     * Where the container runs a program with a matching basename: the final command, else a hop's argv,
     * else the declared command (e.g. a CMD passed to a wrapper that needs a shell), from that program's
     * argv[0] on. Lets the config detectors find {@code -c} and friends even when a wrapper is not followed.
     */
    public java.util.Optional<List<String>> invocation(java.util.function.Predicate<String> basename) {
        List<List<String>> candidates = new java.util.ArrayList<>();
        candidates.add(command);
        hops.forEach(h -> candidates.add(h.argv()));
        candidates.add(declared);
        for (List<String> argv : candidates) {
            for (int i = 0; i < argv.size(); i++) {
                String a = argv.get(i);
                if (basename.test(a.substring(a.lastIndexOf('/') + 1))) {
                    return java.util.Optional.of(argv.subList(i, argv.size()));
                }
            }
        }
        return java.util.Optional.empty();
    }

    /** The basename of the final program ({@code php-fpm}), {@code ""} when unknown. */
    public String programName() {
        String p = !program.isEmpty() ? program : command.isEmpty() ? "" : command.get(0);
        return p.substring(p.lastIndexOf('/') + 1);
    }
}
