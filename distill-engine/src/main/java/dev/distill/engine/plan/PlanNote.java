package dev.distill.engine.plan;

/**
 * A blocker or warning: what (a path, when there is one), in which source layer, and the reason written for
 * the person who must act.
 */
public record PlanNote(String path, String layer, String reason) {

    public PlanNote {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a plan note needs a reason (path " + path + ")");
        }
    }

    public static PlanNote of(String reason) {
        return new PlanNote(null, null, reason);
    }
}
