package dev.distill.engine.budget;

/**
 * Something a {@link Budget} can name and stop: a registry transfer, a container run. Implementations must be safe
 * to call from another thread while the work that owns them is blocked in them.
 */
public interface Activity {

    /** What it is doing and how far it got, e.g. "reading blob sha256:… of host/repo: 12 KiB of 64 KiB, 10 B/s". */
    String describe();

    /**
     * Stops it (closes its connection, kills its process) so that whoever waits on it gets an error soon, which
     * should carry {@code reason}. Called at most once; must not block for long.
     */
    void abort(String reason);
}
