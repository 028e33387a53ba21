package dev.distill.engine.registry;

/**
 * Everything that can go wrong talking to a registry, as one checked exception whose {@link Kind} says what
 * a caller can do about it. Messages name the registry or reference and never contain credentials.
 */
public final class RegistryException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, coarse enough to decide on a retry or a message to the user. */
    public enum Kind {
        /** Connection refused, unknown host, TLS failure or timeout: the registry could not be talked to. */
        UNREACHABLE,
        /** The registry or its token server refused the credentials, or access without them. */
        UNAUTHORIZED,
        /** The repository, tag, manifest or blob does not exist. */
        NOT_FOUND,
        /** The registry served something that is not a container image Distill understands. */
        UNSUPPORTED_MEDIA_TYPE,
        /** A multi-platform image has no entry for the platform asked for. */
        PLATFORM_NOT_FOUND,
        /** Content did not hash to the digest it was asked for or announced with. */
        DIGEST_MISMATCH,
        /** An unexpected status, a malformed or oversized answer: the registry broke the protocol. */
        PROTOCOL
    }

    private final Kind kind;

    public RegistryException(Kind kind, String message) {
        this(kind, message, null);
    }

    public RegistryException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        if (kind == null) {
            throw new IllegalArgumentException("a registry exception needs a kind; message was: " + message);
        }
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public String toString() {
        return "RegistryException[" + kind + "]: " + getMessage();
    }
}
