package dev.distill.engine.structure;

import java.io.IOException;

/**
 * Runs commands in a container of the image under test, for command tests. Implemented outside the engine by
 * the container runtime; without one, command tests are reported as not run.
 */
public interface CommandRunner {

    /**
     * Runs the setup commands, the command and the teardown commands in one fresh container of the image.
     *
     * @return the command's exit code, stdout and stderr
     * @throws IOException when the container could not be run at all (the test fails, saying so)
     */
    CommandOutcome run(CommandInvocation invocation) throws IOException, InterruptedException;
}
