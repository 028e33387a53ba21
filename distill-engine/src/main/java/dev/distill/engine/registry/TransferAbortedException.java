package dev.distill.engine.registry;

import java.io.IOException;

/**
 * A registry transfer was abandoned: the registry went silent or too slow, or the work it was for ran out of time.
 * The message names the content, why, the bytes done and the rate.
 */
public final class TransferAbortedException extends IOException {

    private static final long serialVersionUID = 1L;

    TransferAbortedException(String message, Throwable cause) {
        super(message, cause);
    }
}
