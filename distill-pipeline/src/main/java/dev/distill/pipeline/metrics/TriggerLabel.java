package dev.distill.pipeline.metrics;

import dev.distill.pipeline.intake.ImagePush;
import java.util.List;

/**
 * What started a migration, as a label with a bounded set of values: {@code api}, {@code webhook:distribution},
 * {@code webhook:harbor}; any other trigger a producer wrote is {@code other}, and a migration whose request this
 * instance has not seen is {@code unknown}.
 *
 * @param value the label value
 */
public record TriggerLabel(String value) {

    public static final TriggerLabel API = new TriggerLabel("api");
    public static final TriggerLabel WEBHOOK_DISTRIBUTION = new TriggerLabel("webhook:" + ImagePush.DISTRIBUTION);
    public static final TriggerLabel WEBHOOK_HARBOR = new TriggerLabel("webhook:" + ImagePush.HARBOR);
    public static final TriggerLabel OTHER = new TriggerLabel("other");
    public static final TriggerLabel UNKNOWN = new TriggerLabel("unknown");

    /** Every value a label can take. */
    public static final List<TriggerLabel> ALL = List.of(API, WEBHOOK_DISTRIBUTION, WEBHOOK_HARBOR, OTHER, UNKNOWN);

    public TriggerLabel {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("a trigger label needs a value, got '" + value + "'");
        }
    }

    /** The label of a {@code MigrationRequested.trigger()}; null (not known) is {@link #UNKNOWN}. */
    public static TriggerLabel of(String trigger) {
        if (trigger == null) {
            return UNKNOWN;
        }
        return ALL.stream().filter(t -> t != OTHER && t != UNKNOWN && t.value.equals(trigger)).findFirst().orElse(OTHER);
    }
}
