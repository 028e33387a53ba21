package dev.distill.engine.runtime.probe;

/**
 * An HTTP GET to send to {@code 127.0.0.1:port} inside the container's network namespace, and the status that
 * counts as a pass.
 */
public record HttpCheck(int port, String path, int expectedStatus) {

    public HttpCheck {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1-65535, got " + port);
        }
        // The path goes into a URL on a command line: only what a URL path may hold, no spaces or controls.
        if (path == null || !path.startsWith("/") || !path.matches("[A-Za-z0-9._~!$&'()*+,;=:@%/?-]*")) {
            throw new IllegalArgumentException("HTTP probe path must be an absolute URL path, got " + path);
        }
        if (expectedStatus < 100 || expectedStatus > 599) {
            throw new IllegalArgumentException("expected HTTP status must be 100-599, got " + expectedStatus);
        }
    }

    public static HttpCheck ok(int port, String path) {
        return new HttpCheck(port, path, 200);
    }

    public String url() {
        return "http://127.0.0.1:" + port + path;
    }
}
