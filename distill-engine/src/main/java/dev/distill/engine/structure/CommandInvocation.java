package dev.distill.engine.structure;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One command test for a {@link CommandRunner}: the setup commands, the command, then the teardown commands,
 * all in one container of the image so that what setup writes is there for the command.
 *
 * @param env added to (and overriding) the image's environment, already expanded
 */
public record CommandInvocation(List<List<String>> setup, List<String> command, Map<String, String> env,
        List<List<String>> teardown) {

    public CommandInvocation {
        setup = Suites.argvs(setup, "setup", "invocation");
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("an invocation needs a command, got " + command);
        }
        command = List.copyOf(command);
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(env == null ? Map.of() : env));
        teardown = Suites.argvs(teardown, "teardown", "invocation");
    }
}
