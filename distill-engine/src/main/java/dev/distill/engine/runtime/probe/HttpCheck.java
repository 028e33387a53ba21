package dev.distill.engine.runtime.probe;

/**
 * An HTTP GET to send to {@code 127.0.0.1:port} inside the container's network namespace, and the status that
 * counts as a pass: {@value #NOT_KNOWN_YET} when it is not known when the probe runs (it is the answer of a run going on
 * beside it), then the first answer that is not a server error (5xx, a proxy whose upstream is not up yet) ends the
 * probe, and its caller judges that answer afterwards.
 */
public record HttpCheck(int port, String path, int expectedStatus) {

    /** The expected status of a check whose status is judged after the run. */
    public static final int NOT_KNOWN_YET = 0;

    public HttpCheck {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + port);
        }
        // The path goes into a URL on a command line: only what a URL path may hold, no spaces or controls.
        if (path == null || !path.startsWith("/") || !path.matches("[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*")) {
            throw new IllegalArgumentException("HTTP probe path must be an absolute URL path, got " + path);
        }
        if (expectedStatus != NOT_KNOWN_YET && (expectedStatus < 100 || expectedStatus > 599)) {
            throw new IllegalArgumentException("expected HTTP status must be 100-599 (or 0: not known yet), got "
                    + expectedStatus);
        }
    }

    public static HttpCheck ok(int port, String path) {
        return new HttpCheck(port, path, 200);
    }

    /** Whether {@code status} ends the probe: the expected one, or when that is not known yet, any but a server error. */
    public boolean ends(int status) {
        return expectedStatus == NOT_KNOWN_YET ? status < 500 : status == expectedStatus;
    }

    public String url() {
        return "http://127.0.0.1:" + port + path;
    }
}
