package dev.distill.engine.detect.shell;

/**
 * A command an entrypoint runs before its program, and what Distill makes of it.
 *
 * @param script the script's path in the image ({@code ""} for an inline {@code sh -c} script)
 * @param program the absolute path argv[0] resolves to in the image, {@code ""} for a shell builtin or a command
 *     the image lacks
 * @param reason why, in one sentence a person can check
 * @param ownership for an ownership fix decided by who runs the script, the owners the carried files get; else empty
 * @param reproduced false when the result cannot do what the step did (a umask), which is then a warning
 * @param user who runs it in the source, {@code uid:gid} ({@code ""} when not known)
 */
public record StartupStep(String script, Step step, String program, StepAction action, String reason,
        java.util.List<Ownership> ownership, boolean reproduced, String user) {

    public StartupStep {
        if (step == null || action == null || reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a startup step needs the command, an action and a reason, got " + step
                    + ", " + action + ", " + reason);
        }
        script = script == null ? "" : script;
        user = user == null ? "" : user;
        ownership = ownership == null ? java.util.List.of() : java.util.List.copyOf(ownership);
        program = program == null ? "" : program;
    }

    /** {@code /entrypoint.sh:12}, for reports. */
    public String where() {
        return (script.isEmpty() ? "inline script" : script) + ":" + step.line();
    }
}
