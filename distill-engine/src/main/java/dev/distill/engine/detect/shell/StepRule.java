package dev.distill.engine.detect.shell;

import java.util.Optional;

/**
 * Knowledge of what one kind of command does when a script runs it before its program: whether it can be done at
 * build time, needs the running environment, or depends on who runs it. Rules for a framework's commands live in
 * that framework's package ({@code detect.laravel}); the shell package knows the file and templating utilities.
 */
public interface StepRule {

    /** What the rule knows about, for reports ({@code "file setup"}, {@code "Laravel artisan"}). */
    String name();

    /** The rule's decision, or empty when the command is not one it knows. */
    Optional<StepDecision> decide(StepFacts facts);

    /** A rule's decision. */
    record StepDecision(StepAction action, String reason, java.util.List<Ownership> ownership, boolean reproduced) {

        public static StepDecision of(StepAction action, String reason) {
            return new StepDecision(action, reason, java.util.List.of(), true);
        }
    }
}
