package dev.distill.engine.plan;

import java.util.List;

/**
 * One command the source's entrypoint runs before its program, and what the result does instead.
 *
 * @param script the script's path in the source ({@code ""} for an inline {@code sh -c} script)
 * @param line the line the command is on
 * @param text the command as written
 * @param reason why it is handled so, one sentence a person can check
 * @param command the command's argv, every argument expanded
 * @param env what the script exported by then and the command's own prefixes, {@code NAME=value}
 * @param workingDir where the script runs it
 * @param user who runs it in the source, {@code uid:gid}
 * @param redirects its file redirections (a baked step is run with them)
 * @param initProgram for {@link Action#INIT}, the name of the init program in {@link PrestartPlan#init()}; else null
 * @param ownership for an ownership fix decided by who runs the script, the owners the carried files get
 */
public record PrestartStep(String script, int line, String text, Action action, String reason, List<String> command,
        List<String> env, String workingDir, String user, List<Redirect> redirects, String initProgram,
        List<OwnerFix> ownership) {

    /** What becomes of the step (see {@code detect.shell.StepAction}). */
    public enum Action {
        /** Done once at build time in a sandbox of the source; the files it makes are carried as a layer. */
        BAKE,
        /** Run before each start: an init container of the wiring, from an image of its own. */
        INIT,
        /** Decided by who runs the script: it falls away; an ownership fix becomes the carried files' owner. */
        IDENTITY,
        /** The result goes without it; a person must check (a plan warning). */
        REVIEW,
        /** It cannot be reproduced without a shell (a plan blocker). */
        BLOCK
    }

    /** A redirection of a file descriptor to or from a file. */
    public record Redirect(int fd, String operator, String target) {
        public Redirect {
            if (operator == null || !operator.matches("<|>|>>|<>|>\\|") || target == null || target.isEmpty()) {
                throw new IllegalArgumentException("a redirection needs <, >, >>, <> or >| and a file, got " + operator
                        + " " + target);
            }
        }
    }

    public PrestartStep {
        if (action == null || reason == null || reason.isBlank() || command == null || command.isEmpty()) {
            throw new IllegalArgumentException("a prestart step needs an action, a reason and a command, got " + action
                    + ", " + reason + ", " + command + " (" + script + ":" + line + ")");
        }
        if (action == Action.INIT && (initProgram == null || initProgram.isBlank())) {
            throw new IllegalArgumentException("the init step at " + script + ":" + line + " names no init program");
        }
        command = List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        redirects = redirects == null ? List.of() : List.copyOf(redirects);
        ownership = ownership == null ? List.of() : List.copyOf(ownership);
        script = script == null ? "" : script;
        workingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
        user = user == null || user.isEmpty() ? "0:0" : user;
    }

    /** {@code /entrypoint.sh:12}, for reports. */
    public String where() {
        return (script.isEmpty() ? "inline script" : script) + ":" + line;
    }
}
