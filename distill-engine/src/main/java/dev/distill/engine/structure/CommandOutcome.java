package dev.distill.engine.structure;

/** What a command test's command did: its exit code and everything it wrote. */
public record CommandOutcome(int exitCode, String stdout, String stderr) {

    public CommandOutcome {
        stdout = stdout == null ? "" : stdout;
        stderr = stderr == null ? "" : stderr;
    }
}
