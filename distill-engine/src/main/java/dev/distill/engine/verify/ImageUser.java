package dev.distill.engine.verify;

import dev.distill.engine.detect.accounts.Passwd;
import dev.distill.engine.fs.FileEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The user a container of the image runs as, resolved the way an OCI runtime does it: the config's
 * {@code user[:group]}, names looked up in the image's own {@code /etc/passwd} and {@code /etc/group}, an empty
 * user meaning root.
 *
 * @param spec the config's User as written
 * @param uid the numeric user, -1 when it cannot be resolved
 * @param gids the primary group first, then the supplementary groups {@code /etc/group} lists the user in
 * @param problems why the user cannot be resolved (a runtime would refuse to start the container)
 */
record ImageUser(String spec, int uid, List<Integer> gids, List<CheckFinding> problems) {

    ImageUser {
        gids = List.copyOf(gids);
        problems = List.copyOf(problems);
    }

    boolean resolved() {
        return uid >= 0;
    }

    boolean isRoot() {
        return uid == 0;
    }

    /** Whether this user may execute the file: root needs any execute bit, others the bit of their class. */
    boolean canExecute(FileEntry file) {
        int mode = file.mode();
        if (uid == 0) {
            return (mode & 0111) != 0;
        }
        if (uid == file.uid()) {
            return (mode & 0100) != 0;
        }
        if (gids.contains(file.gid())) {
            return (mode & 0010) != 0;
        }
        return (mode & 0001) != 0;
    }

    static ImageUser resolve(ImageFiles files, String spec) {
        String s = spec == null ? "" : spec.strip();
        List<CheckFinding> problems = new ArrayList<>();
        if (s.isEmpty()) {
            return new ImageUser("", 0, List.of(0), problems);
        }
        int colon = s.indexOf(':');
        String userPart = colon < 0 ? s : s.substring(0, colon);
        String groupPart = colon < 0 ? null : s.substring(colon + 1);
        Passwd passwd;
        try {
            passwd = Passwd.parse(files.text("/etc/passwd").orElse(""), files.text("/etc/group").orElse(""),
                    new ArrayList<>());
        } catch (IOException e) {
            problems.add(files.finding("/etc/passwd", userPart, "the account files cannot be read: " + e.getMessage()));
            return new ImageUser(s, -1, List.of(), problems);
        }
        int uid;
        List<Integer> gids = new ArrayList<>();
        Optional<Passwd.User> user = passwd.user(userPart);
        if (userPart.matches("\\d+")) {
            uid = parseId(userPart);
            // A uid the image does not list still runs, with gid 0, as runc does.
            gids.addAll(user.map(passwd::gidsOf).orElse(List.of(0)));
        } else if (user.isPresent()) {
            uid = user.get().uid();
            gids.addAll(passwd.gidsOf(user.get()));
        } else {
            problems.add(files.finding("/etc/passwd", userPart, "the user '" + userPart + "' is not in the image's "
                    + "/etc/passwd: the runtime cannot start the container"));
            return new ImageUser(s, -1, List.of(), problems);
        }
        if (groupPart != null && !groupPart.isEmpty()) {
            int gid;
            if (groupPart.matches("\\d+")) {
                gid = parseId(groupPart);
            } else {
                Optional<Passwd.Group> group = passwd.group(groupPart);
                if (group.isEmpty()) {
                    problems.add(files.finding("/etc/group", groupPart, "the group '" + groupPart + "' is not in the "
                            + "image's /etc/group: the runtime cannot start the container"));
                    return new ImageUser(s, -1, List.of(), problems);
                }
                gid = group.get().gid();
            }
            // Only the explicit group is counted: the stricter reading for an execute-permission check.
            gids = new ArrayList<>(List.of(gid));
        }
        return new ImageUser(s, uid, gids, problems);
    }

    private static int parseId(String digits) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;  // out of range: certainly not root
        }
    }
}
