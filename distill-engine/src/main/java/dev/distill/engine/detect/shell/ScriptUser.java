package dev.distill.engine.detect.shell;

/**
 * Who runs a script, as the script sees it: what {@code $(id -u)}, {@code $(id -un)}, {@code $(whoami)} and
 * {@code $(umask)} give inside it (the ids come from {@link dev.distill.engine.identity.Identity}). The script analyzer uses it to decide branches that depend on the user (the official images' root-only
 * branch) for the user the result will run as.
 *
 * @param umask as {@code umask} prints it, {@code 0022} for a container process
 */
public record ScriptUser(int uid, int gid, String user, String group, String umask) {

    /** What a container's process gets unless told otherwise. */
    public static final String DEFAULT_UMASK = "0022";

    public static final ScriptUser ROOT = new ScriptUser(0, 0, "root", "root", DEFAULT_UMASK);

    public ScriptUser {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("an identity needs non-negative ids, got " + uid + ":" + gid);
        }
        user = user == null || user.isEmpty() ? String.valueOf(uid) : user;
        group = group == null || group.isEmpty() ? String.valueOf(gid) : group;
        umask = umask == null || umask.isEmpty() ? DEFAULT_UMASK : umask;
    }

    public boolean isRoot() {
        return uid == 0;
    }

    /**
     * What a command substitution prints for this identity, or null when it is not one of the identity's own
     * questions. {@code text} is the substitution as written: {@code $(id -u)} or {@code `id -u`}.
     */
    String substitute(String text) {
        String body = text.startsWith("$(") ? text.substring(2, text.length() - 1)
                : text.startsWith("`") ? text.substring(1, text.length() - 1) : null;
        if (body == null) {
            return null;
        }
        return switch (body.trim().replaceAll("\\s+", " ")) {
            case "id -u", "id -ru" -> String.valueOf(uid);
            case "id -g", "id -rg" -> String.valueOf(gid);
            case "id -un", "id -nu", "whoami" -> user;
            case "id -gn", "id -ng" -> group;
            case "umask" -> umask;
            default -> null;
        };
    }
}
