package dev.distill.engine.structure;

/**
 * A structure test suite that cannot be read: not YAML, a wrong schemaVersion, an unknown field, or a value of
 * the wrong type or form. The message names the field by its place in the document
 * ({@code fileExistenceTests[2].permissions}).
 */
public final class InvalidSuiteException extends IllegalArgumentException {

    private final String field;

    public InvalidSuiteException(String field, String message) {
        super(field.isEmpty() ? message : field + ": " + message);
        this.field = field;
    }

    InvalidSuiteException(String field, String message, Throwable cause) {
        this(field, message);
        initCause(cause);
    }

    /** Where in the document, {@code ""} for the document itself. */
    public String field() {
        return field;
    }
}
