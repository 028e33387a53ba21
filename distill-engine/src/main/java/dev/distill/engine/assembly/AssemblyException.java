package dev.distill.engine.assembly;

/** The plan cannot be assembled as it is (a file it names is missing, a base cannot be used); the message says why. */
public final class AssemblyException extends Exception {

    public AssemblyException(String message) {
        super(message);
    }

    public AssemblyException(String message, Throwable cause) {
        super(message, cause);
    }
}
