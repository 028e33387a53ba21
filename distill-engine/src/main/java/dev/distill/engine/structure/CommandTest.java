package dev.distill.engine.structure;

import java.util.List;

/**
 * Runs a command in a container of the image and checks its output and exit code.
 *
 * @param setup commands run before, in the same container, each a non-empty argv
 * @param teardown commands run after, likewise
 * @param envVars added to the image's environment for this test ({@code $VAR} expanded)
 * @param expectedOutput regexes that must be found in stdout; {@code excludedOutput} must not be
 * @param expectedError regexes that must be found in stderr; {@code excludedError} must not be
 * @param exitCode the expected exit code (0 unless given, as in the reference runner)
 */
public record CommandTest(
        String name,
        List<List<String>> setup,
        List<List<String>> teardown,
        List<KeyValue> envVars,
        String command,
        List<String> args,
        List<String> expectedOutput,
        List<String> excludedOutput,
        List<String> expectedError,
        List<String> excludedError,
        int exitCode) {

    public CommandTest {
        name = Suites.name(name);
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("command test '" + name + "' needs a command");
        }
        setup = Suites.argvs(setup, "setup", name);
        teardown = Suites.argvs(teardown, "teardown", name);
        envVars = Suites.list(envVars);
        args = Suites.list(args);
        expectedOutput = Suites.regexes(expectedOutput);
        excludedOutput = Suites.regexes(excludedOutput);
        expectedError = Suites.regexes(expectedError);
        excludedError = Suites.regexes(excludedError);
    }

    /** The command and its arguments. */
    public List<String> argv() {
        return Suites.concat(List.of(command), args);
    }
}
