package dev.distill.events;

/**
 * How a stage or a whole migration ended. SUCCEEDED and NEEDS_REVIEW only come from verification;
 * a stage that cannot finish ends FAILED (something went wrong) or BLOCKED (the image cannot be migrated);
 * CANCELLED only follows a {@link MigrationCancelled} (a person stopped it), never a stage's own judgement.
 */
public enum Outcome {
    SUCCEEDED, NEEDS_REVIEW, BLOCKED, FAILED, CANCELLED
}
