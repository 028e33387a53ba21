package dev.distill.engine.plan;

/**
 * The owner a path (and, recursively, what is below it) gets in the result, because the source's entrypoint fixes it
 * in a branch only root takes, and the result runs as that user instead.
 *
 * @param gid the group, or -1 to keep the source's
 * @param why where it comes from ({@code /usr/local/bin/docker-entrypoint.sh:7})
 */
public record OwnerFix(String path, boolean recursive, int uid, int gid, String owner, String why) {

    public OwnerFix {
        if (path == null || !path.startsWith("/") || uid < 0 || gid < -1) {
            throw new IllegalArgumentException("an owner fix needs an absolute path and ids, got " + path + " " + uid + ":" + gid);
        }
    }

    /** Whether the fix covers {@code other}. */
    public boolean covers(String other) {
        return other.equals(path) || recursive && (path.equals("/") || other.startsWith(path + "/"));
    }
}
