package dev.distill.engine.plan;

/**
 * A directory a program writes to (pid, socket, temp, log, cache) that must exist in the result with this
 * owner and mode; {@code sharedWith} names the other programs that use it (for example the php-fpm socket
 * directory that nginx connects to), which the wiring turns into a shared volume.
 */
public record WritablePlace(String path, int uid, int gid, int mode, String why, java.util.List<String> sharedWith) {

    public WritablePlace {
        sharedWith = sharedWith == null ? java.util.List.of() : java.util.List.copyOf(sharedWith);
    }
}
