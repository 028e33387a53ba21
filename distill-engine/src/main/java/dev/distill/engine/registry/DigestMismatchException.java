package dev.distill.engine.registry;

import dev.distill.engine.image.Digest;
import java.io.IOException;

/**
 * Streamed content did not match what it was announced as: its digest or its size. Thrown from the read
 * that reached the end of the stream (or went past the announced size), so partial content is never
 * mistaken for the real thing.
 */
public final class DigestMismatchException extends IOException {

    private static final long serialVersionUID = 1L;

    private final Digest expected;
    private final Digest actual;

    /**
     * @param actual digest of the bytes that arrived; null when reading stopped early because the stream ran
     *     past the announced size
     */
    public DigestMismatchException(String message, Digest expected, Digest actual) {
        super(message);
        this.expected = expected;
        this.actual = actual;
    }

    public Digest expected() {
        return expected;
    }

    /** Digest of what arrived, or null when the stream was cut off for running past its announced size. */
    public Digest actual() {
        return actual;
    }
}
