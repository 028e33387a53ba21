package dev.distill.engine.structure;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

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

    /**
     * Runs several commands, in order, each with its own outcome; a runner may run them all in one container (one start
     * instead of one per command). This one runs them one by one with {@link #run}.
     *
     * @return one attempt per invocation, in their order
     */
    default List<CommandAttempt> runAll(List<CommandInvocation> invocations) throws InterruptedException {
        List<CommandAttempt> attempts = new ArrayList<>();
        for (CommandInvocation invocation : invocations) {
            try {
                attempts.add(CommandAttempt.ran(run(invocation)));
            } catch (IOException | RuntimeException e) {
                attempts.add(CommandAttempt.failed(e.getMessage()));
            }
        }
        return attempts;
    }
}
