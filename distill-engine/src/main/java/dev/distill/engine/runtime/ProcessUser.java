package dev.distill.engine.runtime;

import dev.distill.engine.detect.accounts.Passwd;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * The numeric identity a container's process runs as, resolved as Docker resolves an image's {@code User}:
 * {@code name}, {@code uid}, {@code name:group} or {@code uid:gid}; names are looked up in the image's own
 * {@code /etc/passwd} and {@code /etc/group}, numbers pass through (also when the files do not list them).
 *
 * @param additionalGids the groups that list the user as a member, besides its primary group
 */
public record ProcessUser(int uid, int gid, List<Integer> additionalGids) {

    private static final int MAX_ACCOUNT_FILE_BYTES = 1 << 20;

    public static final ProcessUser ROOT = new ProcessUser(0, 0, List.of());

    public ProcessUser {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative, got " + uid + ":" + gid);
        }
        additionalGids = List.copyOf(additionalGids);
    }

    public boolean isRoot() {
        return uid == 0;
    }

    /**
     * Resolves the image config's {@code User} against the image's account files.
     *
     * @throws IllegalArgumentException naming the user or group that the image does not define
     * @throws IOException when an account file cannot be read
     */
    public static ProcessUser resolve(String user, ImageFileSystem image) throws IOException {
        if (user == null || user.isEmpty()) {
            return ROOT;
        }
        int colon = user.indexOf(':');
        String userPart = colon < 0 ? user : user.substring(0, colon);
        String groupPart = colon < 0 ? null : user.substring(colon + 1);
        if (userPart.isEmpty() || (groupPart != null && groupPart.isEmpty())) {
            throw new IllegalArgumentException("image user '" + user + "' is not name, uid, name:group or uid:gid");
        }
        Passwd accounts = Passwd.parse(text(image, "/etc/passwd"), text(image, "/etc/group"), new ArrayList<>());
        Optional<Passwd.User> known = accounts.user(userPart);
        int uid;
        if (isNumber(userPart)) {
            uid = parseId(userPart, user);
        } else {
            uid = known.orElseThrow(() -> new IllegalArgumentException(
                    "image user '" + userPart + "' is not in the image's /etc/passwd")).uid();
        }
        int gid;
        if (groupPart == null) {
            gid = known.map(Passwd.User::gid).orElse(0);  // Docker: a uid without an account runs with gid 0
        } else if (isNumber(groupPart)) {
            gid = parseId(groupPart, user);
        } else {
            gid = accounts.group(groupPart).orElseThrow(() -> new IllegalArgumentException(
                    "image group '" + groupPart + "' is not in the image's /etc/group")).gid();
        }
        LinkedHashSet<Integer> extra = new LinkedHashSet<>();
        known.ifPresent(u -> accounts.groups().stream().filter(g -> g.members().contains(u.name()))
                .forEach(g -> extra.add(g.gid())));
        extra.remove(gid);
        return new ProcessUser(uid, gid, List.copyOf(extra));
    }

    private static boolean isNumber(String text) {
        return text.matches("\\d+");
    }

    private static int parseId(String id, String user) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("id " + id + " of image user '" + user + "' is out of range", e);
        }
    }

    private static String text(ImageFileSystem image, String path) throws IOException {
        Optional<FileEntry> file = image.resolve(path);
        if (file.isEmpty() || !file.get().isRegular()) {
            return "";
        }
        return new String(image.read(file.get(), MAX_ACCOUNT_FILE_BYTES), StandardCharsets.UTF_8);
    }
}
