package dev.distill.engine.bake;

/** The baked steps could not be run to the end: a step failed, timed out, or the sandbox could not run them. */
public final class BakeException extends Exception {

    public BakeException(String message) {
        super(message);
    }

    public BakeException(String message, Throwable cause) {
        super(message, cause);
    }
}
