package dev.distill.engine.verify;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The user a container of the image runs as: the config's {@code User} resolved against the image's own accounts
 * by {@link Identity#resolve(String, Passwd)}, the one resolution the runtime uses too, or why it cannot be.
 *
 * @param spec the config's User as written
 * @param identity who it runs as, null when it cannot be resolved
 * @param problems why the user cannot be resolved (a runtime would refuse to start the container)
 */
record ImageUser(String spec, Identity identity, List<CheckFinding> problems) {

    ImageUser {
        problems = List.copyOf(problems);
    }

    boolean resolved() {
        return identity != null;
    }

    boolean isRoot() {
        return identity != null && identity.isRoot();
    }

    int uid() {
        return identity == null ? -1 : identity.uid();
    }

    List<Integer> gids() {
        return identity == null ? List.of() : identity.gids();
    }

    boolean canExecute(FileEntry file) {
        return identity != null && identity.canExecute(file);
    }

    static ImageUser resolve(ImageFiles files, String spec) {
        String s = spec == null ? "" : spec.strip();
        List<CheckFinding> problems = new ArrayList<>();
        Passwd passwd;
        try {
            passwd = Passwd.parse(files.text("/etc/passwd").orElse(""), files.text("/etc/group").orElse(""),
                    new ArrayList<>());
        } catch (IOException e) {
            problems.add(files.finding("/etc/passwd", s, "the account files cannot be read: " + e.getMessage()));
            return new ImageUser(s, null, problems);
        }
        try {
            return new ImageUser(s, Identity.resolve(s, passwd), problems);
        } catch (IllegalArgumentException e) {
            boolean group = e.getMessage().startsWith("group ");
            String subject = group ? s.substring(s.indexOf(':') + 1) : s.contains(":") ? s.substring(0, s.indexOf(':')) : s;
            problems.add(files.finding(group ? "/etc/group" : "/etc/passwd", subject, "the " + e.getMessage()
                    + ": the runtime cannot start the container"));
            return new ImageUser(s, null, problems);
        }
    }
}
