package dev.distill.engine.verify;

/**
 * One reason a static check failed.
 *
 * @param path the image path it concerns ({@code ""} for the image configuration itself)
 * @param layer the digest of the layer that path comes from, {@code ""} when unknown or not a file
 * @param subject what is wrong or missing, in one token: a soname, an interpreter path, a tool name, a user
 * @param reason a sentence a person can act on
 */
public record CheckFinding(String path, String layer, String subject, String reason) {

    public CheckFinding {
        path = path == null ? "" : path;
        layer = layer == null ? "" : layer;
        subject = subject == null ? "" : subject;
        if (!path.isEmpty() && !path.startsWith("/")) {
            throw new IllegalArgumentException("a check finding needs an absolute path or none, got '" + path + "'");
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a check finding about '" + path + "' needs a reason");
        }
    }
}
