package dev.distill.engine.detect.accounts;

import java.util.List;

/**
 * Users, groups and writable places.
 *
 * @param users every user name or uid some configuration asks for, looked up
 * @param groups every group name or gid asked for, looked up
 * @param writable every place a program writes, with who writes it and the current owner and mode
 */
public record AccountsResult(List<UserRef> users, List<GroupRef> groups, List<WritablePlace> writable) {

    public AccountsResult {
        users = List.copyOf(users);
        groups = List.copyOf(groups);
        writable = List.copyOf(writable);
    }

    /**
     * A user named somewhere.
     *
     * @param requested as written ({@code nobody}, {@code 82})
     * @param source who asks ({@code image USER}, {@code nginx user}, {@code php-fpm pool www})
     * @param file the file and {@code line} naming it ({@code ""}, 0 for the image configuration)
     * @param found whether /etc/passwd has it (a numeric uid without an entry is not found but usable)
     * @param uid -1 when unknown
     */
    public record UserRef(String requested, String source, String file, int line, boolean found, int uid, int gid,
                          String home, String shell) {
    }

    /** A group named somewhere; {@code gid} -1 when unknown. */
    public record GroupRef(String requested, String source, String file, int line, boolean found, int gid) {
    }

    /**
     * A place a program writes.
     *
     * @param program the name of the program that writes it ({@code ""} for the image as a whole: its {@code /tmp})
     * @param path the file or directory the program writes or creates
     * @param purpose what it is ({@code nginx pid}, {@code php-fpm socket})
     * @param writer the user the program writes it as (as written, {@code root} by default)
     * @param checked the path whose owner and mode were read: {@code path}'s directory, or the nearest
     *     existing ancestor when it does not exist
     * @param createsEntry true when the program creates {@code path} in its directory (a pid file, a socket, a log),
     *     false when it writes inside {@code path} (a temp or data directory)
     * @param exists whether {@code path} exists in the image
     * @param mode permission bits of {@code checked}
     * @param writable whether {@code writer} can write {@code checked}; null when the writer is unknown
     */
    public record WritablePlace(String program, String path, String purpose, String writer, String checked,
                                boolean createsEntry, boolean exists, int uid,
                                int gid, int mode, Boolean writable, String file, int line) {
    }
}
