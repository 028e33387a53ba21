package dev.distill.engine.registry;

import java.io.IOException;

/**
 * Reading the caller's content failed during an upload. Kept apart from network failures so the client
 * does not blame the registry for a local file that could not be read.
 */
final class UploadSourceException extends IOException {

    private static final long serialVersionUID = 1L;

    UploadSourceException(String message, IOException cause) {
        super(message, cause);
    }
}
