package dev.distill.engine.distroless;

import java.io.IOException;

/** The bases cannot be built from the packages at hand: one is missing or ambiguous, or ships something inconsistent. */
public final class DistrolessBuildException extends IOException {

    private static final long serialVersionUID = 1L;

    public DistrolessBuildException(String message) {
        super(message);
    }

    public DistrolessBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
