package dev.distill.pipeline.metrics;

import dev.distill.events.MigrationVerified;
import dev.distill.events.Outcome;
import dev.distill.events.StageFailed;
import java.util.Locale;

/**
 * The kind of the first reason a migration ended with, taken from typed facts of the final event (never from its
 * wording): a dashboard can count failures by it without a label per sentence.
 */
public enum ReasonClass {
    /** Succeeded: nothing to explain. */
    NONE,
    /** A stage found the image cannot be migrated as it is (a shell script entrypoint, a missing account ...). */
    BLOCKED,
    /** A stage could not do its work: registry unreachable, unreadable input, an internal error. */
    STAGE_ERROR,
    /** The result failed structure tests. */
    STRUCTURE_TEST,
    /** The result failed a probe (it did not stay up, a port did not answer, HTTP failed). */
    PROBE,
    /** The verification failed otherwise: static checks, the result could not run, it answered unlike its source. */
    VERIFICATION,
    /** It works, but equivalence with the source was not established or the plan has warnings: a person decides. */
    REVIEW,
    /** Someone cancelled it (a verdict never says so; the case keeps the switch over outcomes whole). */
    CANCELLED;

    public static ReasonClass of(StageFailed failed) {
        return failed.outcome() == Outcome.BLOCKED ? BLOCKED : STAGE_ERROR;
    }

    public static ReasonClass of(MigrationVerified verified) {
        return switch (verified.verdict()) {
            case SUCCEEDED -> NONE;
            case NEEDS_REVIEW -> REVIEW;
            case BLOCKED -> BLOCKED;
            case CANCELLED -> CANCELLED;
            case FAILED -> {
                MigrationVerified.Evidence evidence = verified.evidence();
                if (evidence.structureTests().failed() > 0) {
                    yield STRUCTURE_TEST;
                }
                yield evidence.probes().stream().anyMatch(p -> !p.passed()) ? PROBE : VERIFICATION;
            }
        };
    }

    /** The label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
