package dev.distill.engine.detect.shell;

/**
 * An ownership fix a step makes ({@code chown -R redis /data}, {@code find . \! -user redis -exec chown redis {} +}):
 * the path (and, when recursive, everything under it) belongs to the owner afterwards.
 *
 * @param owner the owner as the step names it ({@code redis}, {@code 999:999})
 * @param gid the group, or -1 when the step leaves the group as it is
 */
public record Ownership(String path, boolean recursive, String owner, int uid, int gid) {

    public Ownership {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("an ownership fix needs an absolute path, got '" + path + "'");
        }
        if (uid < 0) {
            throw new IllegalArgumentException("an ownership fix of " + path + " needs a uid, got " + uid);
        }
    }
}
