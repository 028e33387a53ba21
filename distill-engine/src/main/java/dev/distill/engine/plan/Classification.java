package dev.distill.engine.plan;

/** Whether a program (or the whole image) can be migrated without a person. */
public enum Classification {
    /** Everything it needs is known and carried. */
    MIGRATABLE,
    /** It can be built, but a person must check what the plan says (each warning names what). */
    NEEDS_REVIEW,
    /** It cannot be migrated as it is (each blocker says why). */
    BLOCKED;

    /** The worse of two classifications: one blocked program blocks the image. */
    public Classification and(Classification other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
