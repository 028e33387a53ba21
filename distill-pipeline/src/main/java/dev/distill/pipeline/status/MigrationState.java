package dev.distill.pipeline.status;

/** Where a migration stands. The last four are final. */
public enum MigrationState {
    REQUESTED, ANALYZING, ANALYZED, BUILDING, BUILT, VERIFYING, SUCCEEDED, NEEDS_REVIEW, BLOCKED, FAILED;

    public boolean isFinal() {
        return ordinal() >= SUCCEEDED.ordinal();
    }
}
