package dev.distill.engine.verify;

import java.util.List;
import java.util.Optional;

/** Every static check run on one image, in a fixed order. */
public record StaticReport(List<StaticCheck> checks) {

    public StaticReport {
        checks = List.copyOf(checks);
    }

    /** Whether every check passed. */
    public boolean passed() {
        return checks.stream().allMatch(StaticCheck::passed);
    }

    public Optional<StaticCheck> check(String name) {
        return checks.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    /** The checks that failed. */
    public List<StaticCheck> failed() {
        return checks.stream().filter(c -> !c.passed()).toList();
    }
}
