package dev.distill.pipeline.status;

/** Where a migration stands. The last five are final; CANCELLED means a person stopped it (see {@code cancellation}). */
public enum MigrationState {
    REQUESTED, ANALYZING, ANALYZED, BUILDING, BUILT, VERIFYING, SUCCEEDED, NEEDS_REVIEW, BLOCKED, FAILED, CANCELLED;

    public boolean isFinal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }

    /** A migration that ended like this may be run again as a new attempt. */
    public boolean mayRunAgain() {
        return this == FAILED || this == BLOCKED || this == NEEDS_REVIEW || this == CANCELLED;
    }
}
