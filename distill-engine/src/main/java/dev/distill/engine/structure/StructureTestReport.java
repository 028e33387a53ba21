package dev.distill.engine.structure;

import java.util.List;

/** Every result of one suite run, in the suite's order: commands, file existence, file content, metadata. */
public record StructureTestReport(List<StructureTestResult> results) {

    public StructureTestReport {
        results = List.copyOf(results);
    }

    public long count(StructureTestResult.Status status) {
        return results.stream().filter(r -> r.status() == status).count();
    }

    /** No test failed (skipped tests are not failures, but they are not proof either: see {@link #count}). */
    public boolean noFailures() {
        return count(StructureTestResult.Status.FAILED) == 0;
    }

    public List<StructureTestResult> failed() {
        return results.stream().filter(r -> r.status() == StructureTestResult.Status.FAILED).toList();
    }
}
