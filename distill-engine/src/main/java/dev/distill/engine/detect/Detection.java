package dev.distill.engine.detect;

import java.util.List;
import java.util.Objects;

/**
 * What one detector found: its typed result and its findings, in the order they were made.
 *
 * @param result never null, except in {@link #failed}: a detector that broke as a whole
 */
public record Detection<R>(String detector, R result, List<Finding> findings) {

    public Detection {
        Objects.requireNonNull(detector, "detector");
        findings = List.copyOf(findings);
        if (result == null && findings.stream().noneMatch(f -> f.kind() == Finding.Kind.ERROR)) {
            throw new IllegalArgumentException("detection " + detector + " has no result and no error saying why");
        }
    }

    /** A detector that threw: no result, one error finding naming the exception. */
    public static <R> Detection<R> failed(String detector, RuntimeException e) {
        String reason = "detector " + detector + " failed: " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new Detection<>(detector, null, List.of(new Finding(Finding.Kind.ERROR, detector, "", "", 0, reason,
                java.util.Map.of("exception", e.getClass().getName()))));
    }

    public List<Finding> findings(Finding.Kind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }

    public boolean blocked() {
        return findings.stream().anyMatch(f -> f.kind() == Finding.Kind.BLOCKER);
    }
}
