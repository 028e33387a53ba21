package dev.distill.engine.verify;

import java.util.List;

/**
 * The outcome of one static check.
 *
 * @param name what was checked, one of the constants of {@link StaticChecker}
 * @param passed true exactly when there are no findings
 * @param findings why it failed, in the order found
 */
public record StaticCheck(String name, boolean passed, List<CheckFinding> findings) {

    public StaticCheck {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a static check needs a name");
        }
        findings = List.copyOf(findings);
        // A failure must say why, and a pass must not carry reasons to fail: the two never disagree.
        if (passed != findings.isEmpty()) {
            throw new IllegalArgumentException("check " + name + " is " + (passed ? "passed" : "failed") + " with "
                    + findings.size() + " findings");
        }
    }

    /** Passed when there are no findings, failed otherwise. */
    public static StaticCheck of(String name, List<CheckFinding> findings) {
        return new StaticCheck(name, findings.isEmpty(), findings);
    }
}
