package dev.distill.engine.detect.shell;

import java.util.Optional;
import java.util.Set;

/**
 * Waiting for a dependency the deployment provides (a database, a queue) before the program starts:
 * {@code wait-for-it}, {@code wait-for}, {@code dockerize -wait}. Nothing to do at build time; an init step runs it
 * before each start, from an image that carries the tool.
 */
final class DependencyWaitRule implements StepRule {

    private static final Set<String> WAITERS = Set.of("wait-for-it", "wait-for-it.sh", "wait-for", "wait-for.sh");

    @Override
    public String name() {
        return "dependency wait";
    }

    @Override
    public Optional<StepDecision> decide(StepFacts facts) {
        String name = facts.programName();
        boolean dockerizeWait = name.equals("dockerize") && facts.argv().contains("-wait");
        if (!WAITERS.contains(name) && !dockerizeWait) {
            return Optional.empty();
        }
        return Optional.of(StepDecision.of(StepAction.INIT, name + " waits for a dependency the deployment provides ("
                + String.join(" ", facts.argv().subList(1, facts.argv().size())) + "): it runs before each start"));
    }
}
