package dev.distill.pipeline.stage;

import dev.distill.events.Outcome;

/** A stage cannot finish; the message is the reason shown to users, so it must say what to do. */
public final class StageFailure extends Exception {

    private final Outcome outcome;

    private StageFailure(Outcome outcome, String reason, Throwable cause) {
        super(reason, cause);
        this.outcome = outcome;
    }

    /** Something went wrong (registry down, bad input): retrying after a fix may succeed. */
    public static StageFailure failed(String reason) {
        return new StageFailure(Outcome.FAILED, reason, null);
    }

    public static StageFailure failed(String reason, Throwable cause) {
        return new StageFailure(Outcome.FAILED, reason, cause);
    }

    /** The image cannot be migrated as it is: a person must change it first. */
    public static StageFailure blocked(String reason) {
        return new StageFailure(Outcome.BLOCKED, reason, null);
    }

    /**
     * The migration was cancelled while the stage worked on it: the stage stops here, at a safe point, and publishes
     * nothing more for it (the cancellation already ended it).
     */
    public static StageFailure cancelled(String reason) {
        return new StageFailure(Outcome.CANCELLED, reason, null);
    }

    public Outcome outcome() {
        return outcome;
    }
}
