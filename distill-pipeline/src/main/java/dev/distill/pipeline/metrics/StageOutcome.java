package dev.distill.pipeline.metrics;

import dev.distill.events.Outcome;
import java.util.Locale;

/**
 * How one run of a stage ended: a stage outcome, or {@link #REPAIR} when the verification round ended by asking the
 * builder for another build.
 */
public enum StageOutcome {
    SUCCEEDED, NEEDS_REVIEW, REPAIR, BLOCKED, FAILED;

    public static StageOutcome of(Outcome outcome) {
        return valueOf(outcome.name());
    }

    /** The label value: the name in lower case. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
