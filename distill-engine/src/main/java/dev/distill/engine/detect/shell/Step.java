package dev.distill.engine.detect.shell;

import java.util.List;
import java.util.Map;

/**
 * A command a script runs before its program, as far as the script text and its known arguments decide it.
 *
 * @param line the 1-based line the command starts on
 * @param text the command as written (its words joined by single spaces)
 * @param argv the command's fields after expansion; every one is known statically
 * @param redirects its file redirections, targets expanded
 * @param environment what the script has exported by then, plus the command's own {@code NAME=value} prefixes
 * @param workingDir where the script is when it runs the command (the image's working directory unless a
 *     {@code cd} moved it)
 * @param identityBranch whether the command runs only because of who runs the script: it lies in a branch that
 *     a test of {@code $(id -u)} (or the like) decided
 */
public record Step(int line, String text, List<String> argv, List<Redirect> redirects, Map<String, String> environment,
        String workingDir, boolean identityBranch) {

    public Step {
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("a step needs a command, got " + argv + " at line " + line);
        }
        argv = List.copyOf(argv);
        redirects = List.copyOf(redirects);
        environment = Map.copyOf(environment);
    }

    /** The command's name as written ({@code php}, {@code /usr/bin/env}). */
    public String name() {
        return argv.get(0);
    }

    /** A redirection of one file descriptor: {@code >}, {@code >>} or {@code <} to a file named statically. */
    public record Redirect(int fd, String operator, String target) {

        public Redirect {
            if (target == null || target.isEmpty()) {
                throw new IllegalArgumentException("a redirection needs a target, got '" + target + "' for " + operator);
            }
        }

        /** Whether the redirection writes its target. */
        public boolean writes() {
            return operator.startsWith(">") || operator.equals("<>");
        }
    }
}
