package dev.distill.engine.structure;

/**
 * One command of a batch given to {@link CommandRunner#runAll}: what it did, or why it could not be run (the others
 * of the batch are not affected).
 *
 * @param outcome null when the command could not be run
 * @param error why it could not be run; null when it ran
 */
public record CommandAttempt(CommandOutcome outcome, String error) {

    public CommandAttempt {
        if ((outcome == null) == (error == null)) {
            throw new IllegalArgumentException("a command attempt has an outcome or an error, got " + outcome + " and " + error);
        }
    }

    public static CommandAttempt ran(CommandOutcome outcome) {
        return new CommandAttempt(outcome, null);
    }

    public static CommandAttempt failed(String error) {
        return new CommandAttempt(null, error == null || error.isBlank() ? "no reason given" : error);
    }
}
