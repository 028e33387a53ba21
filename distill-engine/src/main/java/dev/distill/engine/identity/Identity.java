package dev.distill.engine.identity;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The numeric identity a process runs as: what assembly writes into an image's {@code User}, what the wiring gives a
 * container and what the runtime starts the process with. Resolved in one place, {@link #resolve(String, Passwd)},
 * by the rules OCI runtimes apply to an image's {@code User} (runc's {@code GetExecUser}):
 * <ul>
 *   <li>empty: uid 0, and root's primary group and memberships when {@code /etc/passwd} lists uid 0;</li>
 *   <li>a name: its {@code /etc/passwd} entry, which must exist;</li>
 *   <li>a number: the first entry with that uid if there is one, else that uid with gid 0;</li>
 *   <li>without an explicit group, the supplementary groups are the {@code /etc/group} entries listing the user's
 *       name; with {@code user:group} the group (a name from {@code /etc/group}, or any number) replaces the primary
 *       group and no supplementary group is added.</li>
 * </ul>
 *
 * @param uid the user id
 * @param gid the primary group id
 * @param groups the supplementary group ids, without the primary one, in {@code /etc/group} order
 * @param name the account's name, {@code ""} for a uid without an {@code /etc/passwd} entry
 * @param home the account's home directory, {@code ""} when unknown
 */
public record Identity(int uid, int gid, List<Integer> groups, String name, String home) {

    /** The most of {@code /etc/passwd} or {@code /etc/group} that is read. */
    private static final int MAX_ACCOUNT_FILE_BYTES = 1 << 20;

    public static final Identity ROOT = new Identity(0, 0, List.of(), "root", "/root");

    public Identity {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative, got " + uid + ":" + gid);
        }
        groups = groups == null ? List.of() : List.copyOf(new LinkedHashSet<>(groups));
        if (groups.stream().anyMatch(g -> g == null || g < 0)) {
            throw new IllegalArgumentException("supplementary groups must not be negative, got " + groups);
        }
        name = name == null ? "" : name;
        home = home == null ? "" : home;
    }

    /** Just the ids, no name, no supplementary groups. */
    public static Identity of(int uid, int gid) {
        return new Identity(uid, gid, List.of(), "", "");
    }

    @JsonIgnore
    public boolean isRoot() {
        return uid == 0;
    }

    /** {@code uid:gid}, as an image config, compose and OCI write it. */
    public String spec() {
        return uid + ":" + gid;
    }

    /** The primary group, then the supplementary ones. */
    public List<Integer> gids() {
        List<Integer> out = new ArrayList<>(List.of(gid));
        groups.stream().filter(g -> g != gid).forEach(out::add);
        return out;
    }

    /** Whether this identity may execute the file: root needs any execute bit, others the bit of their class. */
    public boolean canExecute(FileEntry file) {
        return allowed(file.mode(), file.uid(), file.gid(), 0111, 0100, 0010, 0001);
    }

    /** Whether this identity may create entries in a directory of this owner and mode (root always may). */
    public boolean canWrite(int mode, int ownerUid, int ownerGid) {
        return uid == 0 || allowed(mode, ownerUid, ownerGid, 0222, 0200, 0020, 0002);
    }

    private boolean allowed(int mode, int ownerUid, int ownerGid, int rootBits, int ownerBit, int groupBit, int otherBit) {
        if (uid == 0) {
            return (mode & rootBits) != 0;
        }
        if (uid == ownerUid) {
            return (mode & ownerBit) != 0;
        }
        if (gids().contains(ownerGid)) {
            return (mode & groupBit) != 0;
        }
        return (mode & otherBit) != 0;
    }

    /**
     * Resolves an image {@code User} ({@code ""}, {@code name}, {@code uid}, {@code name:group}, {@code uid:gid} and
     * mixes) against an image's accounts.
     *
     * @throws IllegalArgumentException naming the user or group the accounts do not define, or a malformed value
     */
    public static Identity resolve(String spec, Passwd accounts) {
        String s = spec == null ? "" : spec.strip();
        int colon = s.indexOf(':');
        String userPart = colon < 0 ? s : s.substring(0, colon);
        String groupPart = colon < 0 ? "" : s.substring(colon + 1);
        if (colon >= 0 && (userPart.isEmpty() || groupPart.isEmpty())) {
            throw new IllegalArgumentException("user '" + spec + "' is not name, uid, name:group or uid:gid");
        }
        Optional<Passwd.User> account;
        int uid;
        if (userPart.isEmpty()) {
            account = accounts.user("0");
            uid = 0;
        } else if (isNumber(userPart)) {
            uid = parseId(userPart, spec);
            account = accounts.user(userPart);
        } else {
            account = accounts.user(userPart);
            uid = account.orElseThrow(() -> new IllegalArgumentException(
                    "user '" + userPart + "' is not in the image's /etc/passwd")).uid();
        }
        int gid = account.map(Passwd.User::gid).orElse(0);
        List<Integer> groups = new ArrayList<>();
        if (!groupPart.isEmpty()) {
            if (isNumber(groupPart)) {
                gid = parseId(groupPart, spec);
            } else {
                gid = accounts.group(groupPart).orElseThrow(() -> new IllegalArgumentException(
                        "group '" + groupPart + "' is not in the image's /etc/group")).gid();
            }
        } else if (account.isPresent()) {
            String member = account.get().name();
            accounts.groups().stream().filter(g -> g.members().contains(member)).forEach(g -> groups.add(g.gid()));
        }
        int primary = gid;
        groups.removeIf(g -> g == primary);
        return new Identity(uid, gid, groups, account.map(Passwd.User::name).orElse(""),
                account.map(Passwd.User::home).orElse(""));
    }

    /** {@link #resolve(String, Passwd)} against the {@code /etc/passwd} and {@code /etc/group} of an image. */
    public static Identity resolve(String spec, ImageFileSystem image) throws IOException {
        return resolve(spec, accounts(image));
    }

    /** The accounts of an image; missing files count as empty. */
    public static Passwd accounts(ImageFileSystem image) throws IOException {
        List<Optional<FileEntry>> read = accountFiles(image);
        Optional<FileEntry> passwd = read.get(0);
        Optional<FileEntry> group = read.get(1);
        // Both in one read: a layered image streams (and verifies) a whole layer for a file, and the two files
        // usually lie in the same layer (the base's, or the one that added a user), which is then read once.
        List<FileEntry> files = Stream.of(passwd, group).flatMap(Optional::stream).toList();
        Map<String, String> texts = new HashMap<>();
        if (!files.isEmpty()) {
            image.readAll(files, (file, in) -> texts.put(file.path(),
                    new String(in.readNBytes(MAX_ACCOUNT_FILE_BYTES), StandardCharsets.UTF_8)));
        }
        return Passwd.parse(passwd.map(f -> texts.getOrDefault(f.path(), "")).orElse(""),
                group.map(f -> texts.getOrDefault(f.path(), "")).orElse(""), new ArrayList<>());
    }

    private static boolean isNumber(String text) {
        return text.matches("\\d+");
    }

    private static int parseId(String id, String spec) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("id " + id + " of user '" + spec + "' is out of range", e);
        }
    }

    /**
     * The files an image's accounts are read from: its {@code /etc/passwd} and {@code /etc/group}, in this order, as
     * the regular files they resolve to; each empty when the image has none (a missing file or a link loop).
     */
    public static List<Optional<FileEntry>> accountFiles(ImageFileSystem image) {
        return List.of(regular(image, "/etc/passwd"), regular(image, "/etc/group"));
    }

    /** The regular file a path resolves to; empty when there is none (a missing file or a link loop reads as empty). */
    private static Optional<FileEntry> regular(ImageFileSystem image, String path) {
        try {
            return image.resolve(path).filter(FileEntry::isRegular);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }
}
