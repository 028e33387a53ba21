package dev.distill.pipeline.intake;

import java.util.List;

/**
 * What one registry notification request said: the tagged manifest pushes to consider, and every other
 * event with the reason it was passed over (blob pushes, pulls, deletes, untagged pushes, ...).
 */
public record Notification(List<ImagePush> pushes, List<Skipped> skipped) {

    public Notification {
        pushes = pushes == null ? List.of() : List.copyOf(pushes);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }

    /**
     * An event that is not a tagged manifest push.
     *
     * @param eventId the registry's id for the event, or null when the format has none
     * @param reason why it was passed over, e.g. {@code blob push}
     */
    public record Skipped(String eventId, String reason) {

        public Skipped {
            if (reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("a skipped event needs a reason");
            }
        }
    }
}
