package dev.distill.engine.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@code /etc/passwd} and {@code /etc/group} entries. */
public final class Passwd {

    public record User(String name, int uid, int gid, String home, String shell) {
    }

    public record Group(String name, int gid, List<String> members) {
        public Group {
            members = List.copyOf(members);
        }
    }

    private final List<User> users;
    private final List<Group> groups;

    public Passwd(List<User> users, List<Group> groups) {
        this.users = List.copyOf(users);
        this.groups = List.copyOf(groups);
    }

    /** Parses the files' text; malformed lines are skipped and counted in {@code bad}. */
    public static Passwd parse(String passwd, String group, List<String> bad) {
        List<User> users = new ArrayList<>();
        for (String line : passwd.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            try {
                users.add(new User(f[0], Integer.parseInt(f[2]), Integer.parseInt(f[3]), f.length > 5 ? f[5] : "",
                        f.length > 6 ? f[6] : ""));
            } catch (RuntimeException e) {
                bad.add("/etc/passwd: " + line);
            }
        }
        List<Group> groups = new ArrayList<>();
        for (String line : group.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(":", -1);
            try {
                groups.add(new Group(f[0], Integer.parseInt(f[2]),
                        f.length > 3 && !f[3].isBlank() ? List.of(f[3].strip().split(",")) : List.of()));
            } catch (RuntimeException e) {
                bad.add("/etc/group: " + line);
            }
        }
        return new Passwd(users, groups);
    }

    public List<User> users() {
        return users;
    }

    public List<Group> groups() {
        return groups;
    }

    /** By name, or by uid when the text is numeric. */
    public Optional<User> user(String nameOrUid) {
        if (nameOrUid.matches("\\d+")) {
            int uid = Integer.parseInt(nameOrUid);
            return users.stream().filter(u -> u.uid() == uid).findFirst();
        }
        return users.stream().filter(u -> u.name().equals(nameOrUid)).findFirst();
    }

    public Optional<Group> group(String nameOrGid) {
        if (nameOrGid.matches("\\d+")) {
            int gid = Integer.parseInt(nameOrGid);
            return groups.stream().filter(g -> g.gid() == gid).findFirst();
        }
        return groups.stream().filter(g -> g.name().equals(nameOrGid)).findFirst();
    }

    /** The gids of a user: its primary group and every group listing it as a member. */
    public List<Integer> gidsOf(User u) {
        List<Integer> out = new ArrayList<>(List.of(u.gid()));
        groups.stream().filter(g -> g.members().contains(u.name())).forEach(g -> out.add(g.gid()));
        return out;
    }
}
