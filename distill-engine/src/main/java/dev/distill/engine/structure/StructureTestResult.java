package dev.distill.engine.structure;

/**
 * The outcome of one test of a suite.
 *
 * @param kind which section the test comes from
 * @param name the test's name ({@code Metadata Test} for the metadata test)
 * @param message for a failure, each thing expected and what was found; for a skip, why; for a pass, what held
 */
public record StructureTestResult(Kind kind, String name, Status status, String message) {

    public StructureTestResult {
        if (kind == null || status == null || name == null || name.isBlank()) {
            throw new IllegalArgumentException("a test result needs a kind, a name and a status, got " + kind + ", '"
                    + name + "', " + status);
        }
        if (status != Status.PASSED && (message == null || message.isBlank())) {
            throw new IllegalArgumentException("test '" + name + "' is " + status + " without saying why");
        }
        message = message == null ? "" : message;
    }

    public enum Kind { COMMAND, FILE_EXISTENCE, FILE_CONTENT, METADATA }

    public enum Status { PASSED, FAILED, SKIPPED }

    public boolean passed() {
        return status == Status.PASSED;
    }
}
