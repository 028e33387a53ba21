package dev.distill.engine.detect;

import java.util.List;
import java.util.Objects;

/**
 * What one detector found: its typed result and its findings, in the order they were made.
 */
public record Detection<R>(String detector, R result, List<Finding> findings) {

    public Detection {
        Objects.requireNonNull(detector, "detector");
        Objects.requireNonNull(result, "result");
        findings = List.copyOf(findings);
    }

    public List<Finding> findings(Finding.Kind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }

    public boolean blocked() {
        return findings.stream().anyMatch(f -> f.kind() == Finding.Kind.BLOCKER);
    }
}
