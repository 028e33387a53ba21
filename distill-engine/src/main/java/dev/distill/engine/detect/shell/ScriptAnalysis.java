package dev.distill.engine.detect.shell;

import java.util.List;
import java.util.Map;

/**
 * What following a shell script with known arguments gave.
 *
 * @param command the argv the script ends in, when it could be determined statically; empty otherwise
 * @param viaExec whether the script {@code exec}s it (false: the shell stays as its parent)
 * @param environment variables the script exports to the command, when their values are literal
 * @param blockers why the script needs a shell, each with its line; empty for a trivial wrapper
 * @param notes harmless things the wrapper does that a distroless image will not (output, options)
 * @param steps the commands it runs before the command, in order
 * @param workingDir where the command runs ({@code ""} when not known)
 */
public record ScriptAnalysis(List<String> command, boolean viaExec, Map<String, String> environment,
                             List<Issue> blockers, List<Issue> notes, List<Step> steps, String workingDir) {

    /** One thing found on one line of the script. */
    public record Issue(int line, String reason) {
    }

    public ScriptAnalysis {
        command = List.copyOf(command);
        environment = Map.copyOf(environment);
        blockers = List.copyOf(blockers);
        notes = List.copyOf(notes);
        steps = List.copyOf(steps);
        workingDir = workingDir == null ? "" : workingDir;
    }

    /** Whether the script's final command is known and nothing in it needs a shell at run time. */
    public boolean resolved() {
        return blockers.isEmpty() && !command.isEmpty();
    }
}
