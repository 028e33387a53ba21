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
 */
public record EntrypointResult(List<String> declared, Verdict verdict, List<String> command, String program,
                               List<Hop> hops, Map<String, String> environment, List<Blocker> blockers) {

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

    public EntrypointResult {
        declared = List.copyOf(declared);
        command = List.copyOf(command);
        hops = List.copyOf(hops);
        environment = Map.copyOf(environment);
        blockers = List.copyOf(blockers);
    }

    /** The basename of the final program ({@code php-fpm}), {@code ""} when unknown. */
    public String programName() {
        String p = !program.isEmpty() ? program : command.isEmpty() ? "" : command.get(0);
        return p.substring(p.lastIndexOf('/') + 1);
    }
}
