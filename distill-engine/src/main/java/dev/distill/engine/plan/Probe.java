package dev.distill.engine.plan;

/**
 * How a verifier sees that a program works, as its kind knows it.
 *
 * @param port the TCP port for {@link Kind#HTTP} and {@link Kind#TCP}, 0 for {@link Kind#RUNS}
 * @param path the HTTP path, {@code ""} otherwise
 */
public record Probe(Kind kind, int port, String path) {

    public enum Kind {
        /** An HTTP GET on {@code port} at {@code path}. */
        HTTP,
        /** A TCP connection to {@code port}. */
        TCP,
        /**
         * A program that listens on nothing (a queue worker, a scheduler): it stays up or ends without an error, and
         * what it writes, the source writes too.
         */
        RUNS
    }

    public Probe {
        if (kind == null || port < 0 || port > 65535 || (kind != Kind.RUNS && port == 0)) {
            throw new IllegalArgumentException("a probe needs a kind and, for HTTP and TCP, a port 1-65535, got " + kind
                    + ", " + port);
        }
        path = path == null ? "" : path;
    }

    public static Probe runs() {
        return new Probe(Kind.RUNS, 0, "");
    }
}
