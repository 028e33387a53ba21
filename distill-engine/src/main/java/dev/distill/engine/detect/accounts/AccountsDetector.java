package dev.distill.engine.detect.accounts;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.programs.ProgramsDetector;
import dev.distill.engine.detect.programs.ProgramsResult;
import dev.distill.engine.detect.shell.ShellDetector;
import dev.distill.engine.detect.shell.StartupStep;
import dev.distill.engine.detect.shell.StepAction;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.identity.Passwd;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Looks up every user and group the image's programs run as, and the owner and mode of every place they
 * write, from the programs' profiles. Which user writes what follows the programs' rules: an account a program
 * switches to (php-fpm's pool user, nginx's {@code user}) only takes effect when the program runs as root.
 */
public final class AccountsDetector implements Detector<AccountsResult> {

    public static final String NAME = "accounts";
    static final String ROOT = "root";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Detection<AccountsResult> detect(DetectionContext ctx) {
        Findings findings = new Findings(NAME, ctx);
        List<String> bad = new ArrayList<>();
        String passwdText = ctx.readText("/etc/passwd", findings).map(TextFile::content).orElse("");
        String groupText = ctx.readText("/etc/group", findings).map(TextFile::content).orElse("");
        if (!ctx.exists("/etc/passwd")) {
            findings.warning("/etc/passwd", "the image has no /etc/passwd: only numeric users can be resolved");
        }
        Passwd db = Passwd.parse(passwdText, groupText, bad);
        bad.forEach(b -> findings.warning(b.substring(0, b.indexOf(':')), "malformed line skipped: " + b.substring(b.indexOf(':') + 2)));
        Run run = new Run(ctx, findings, db);

        // The image USER: user[:group]
        String spec = ctx.config().user();
        String containerUser = spec.isEmpty() ? ROOT : spec.split(":", 2)[0];
        if (spec.isEmpty() && db.user(ROOT).isEmpty()) {
            // Without USER the runtime starts uid 0 and looks nothing up.
            run.users.add(new AccountsResult.UserRef(ROOT, "image USER (unset)", "", 0, false, 0, 0, "", ""));
            findings.info("", "the image sets no USER: the container runs as uid 0 (no /etc/passwd entry for root)");
        } else {
            run.user(containerUser, spec.isEmpty() ? "image USER (unset)" : "image USER", "", 0);
        }
        if (spec.contains(":")) {
            run.group(spec.split(":", 2)[1], "image USER", "", 0);
        }

        ProgramsResult programs = ctx.run(new ProgramsDetector()).result();
        for (ProgramsResult.Program program : programs.programs()) {
            Launch launch = program.launch();
            String master = launch.user().isEmpty() ? ROOT : launch.user().split(":", 2)[0];
            if (!launch.user().equals(spec)) {
                run.user(master, "program " + program.name() + " (" + launch.origin() + ")", "", 0);
            }
            String worker = master;
            boolean switched = false;
            for (ProgramProfile.AccountUse a : program.profile().accounts()) {
                if (!a.user().isEmpty()) {
                    run.user(a.user(), a.purpose(), a.file(), a.line());
                }
                if (!a.group().isEmpty()) {
                    run.group(a.group(), a.purpose() + (a.user().isEmpty() ? "" : " (group)"), a.file(), a.line());
                }
                if (a.role() == ProgramProfile.AccountUse.Role.SWITCHES_TO && !a.user().isEmpty() && !switched) {
                    worker = run.effective(master, a.user(), a.purpose(), a.file(), a.line());
                    switched = true;
                }
            }
            for (ProgramProfile.Place place : program.profile().places()) {
                String writer = place.writer() == ProgramProfile.Writer.WORKER ? worker : master;
                run.place(program.name(), place.path(), place.purpose(), writer, place.file(), place.line(), place.createsEntry());
            }
        }
        run.place("", "/tmp", "temporary files", containerUser, "", 0, false);
        return findings.done(new AccountsResult(run.users, run.groups, new ArrayList<>(run.places.values())));
    }

    /** One detection's state. */
    private static final class Run {
        final DetectionContext ctx;
        final Findings findings;
        final Passwd db;
        final List<AccountsResult.UserRef> users = new ArrayList<>();
        final List<AccountsResult.GroupRef> groups = new ArrayList<>();
        final Map<String, AccountsResult.WritablePlace> places = new LinkedHashMap<>();

        Run(DetectionContext ctx, Findings findings, Passwd db) {
            this.ctx = ctx;
            this.findings = findings;
            this.db = db;
        }

        void user(String name, String source, String file, int line) {
            Optional<Passwd.User> u = db.user(name);
            if (u.isPresent()) {
                Passwd.User x = u.get();
                users.add(new AccountsResult.UserRef(name, source, file, line, true, x.uid(), x.gid(), x.home(), x.shell()));
                findings.add(Finding.Kind.INFO, file.isEmpty() ? "/etc/passwd" : file, line, source + " '" + name + "' is uid "
                        + x.uid() + " gid " + x.gid() + " (home " + x.home() + ", shell " + x.shell() + ")",
                        Map.of("user", name, "uid", String.valueOf(x.uid()), "gid", String.valueOf(x.gid())));
            } else if (name.matches("\\d+")) {
                users.add(new AccountsResult.UserRef(name, source, file, line, false, Integer.parseInt(name), -1, "", ""));
                findings.add(Finding.Kind.WARNING, file, line, source + " uid " + name + " has no /etc/passwd entry: it runs"
                        + " without a name or home directory", Map.of("user", name));
            } else {
                users.add(new AccountsResult.UserRef(name, source, file, line, false, -1, -1, "", ""));
                findings.add(Finding.Kind.BLOCKER, file, line, source + " '" + name + "' has no entry in /etc/passwd: "
                        + "the program cannot switch to it", Map.of("user", name));
            }
        }

        void group(String name, String source, String file, int line) {
            Optional<Passwd.Group> g = db.group(name);
            if (g.isPresent()) {
                groups.add(new AccountsResult.GroupRef(name, source, file, line, true, g.get().gid()));
            } else if (name.matches("\\d+")) {
                groups.add(new AccountsResult.GroupRef(name, source, file, line, false, Integer.parseInt(name)));
            } else {
                groups.add(new AccountsResult.GroupRef(name, source, file, line, false, -1));
                findings.add(Finding.Kind.BLOCKER, file, line, source + " group '" + name + "' has no entry in /etc/group",
                        Map.of("group", name));
            }
        }

        /** The user a child ends up as: the requested one when the parent is root, else the parent's. */
        String effective(String parent, String requested, String what, String file, int line) {
            if (isRoot(parent)) {
                return requested;
            }
            if (!sameUser(parent, requested)) {
                findings.add(Finding.Kind.WARNING, file, line, what + " " + requested + " has no effect: the process runs as "
                        + parent + ", not root, and keeps that user", Map.of("user", requested, "runsAs", parent));
            }
            return parent;
        }

        boolean isRoot(String user) {
            return uid(user) == 0;
        }

        boolean sameUser(String a, String b) {
            int ua = uid(a);
            return a.equals(b) || ua >= 0 && ua == uid(b);
        }

        int uid(String user) {
            if (user.matches("\\d+")) {
                return Integer.parseInt(user);
            }
            return db.user(user).map(Passwd.User::uid).orElse(user.equals(ROOT) ? 0 : -1);
        }

        /**
         * Records a place.
         *
         * @param createsEntry true when the program creates {@code path} in its directory (pid, socket, log),
         *     false when it writes inside {@code path} itself (temp directories)
         */
        void place(String program, String path, String purpose, String writer, String file, int line, boolean createsEntry) {
            String key = program + "\u0000" + path + "\u0000" + writer;
            if (places.containsKey(key)) {
                return;
            }
            boolean exists = ctx.exists(path);
            String checked = createsEntry ? Paths.parent(path) : path;
            Optional<FileEntry> e = ctx.resolve(checked);
            while (e.isEmpty() && !checked.equals("/")) {
                checked = Paths.parent(checked);
                e = ctx.resolve(checked);
            }
            FileEntry entry = e.orElseThrow();
            Boolean writable = writable(entry, writer);
            AccountsResult.WritablePlace p = new AccountsResult.WritablePlace(program, path, purpose, writer, checked, createsEntry, exists,
                    entry.uid(), entry.gid(), entry.mode(), writable, file, line);
            places.put(key, p);
            String owner = entry.uid() + ":" + entry.gid() + " mode " + String.format("%04o", entry.mode());
            Map<String, String> data = Map.of("place", path, "checked", checked, "owner", entry.uid() + ":" + entry.gid(),
                    "mode", String.format("%04o", entry.mode()), "writer", writer);
            Optional<StartupStep> fix = Boolean.FALSE.equals(writable) ? ownershipFix(checked, writer) : Optional.empty();
            if (fix.isPresent()) {
                // The entrypoint's root-only branch gives it to the writer; the result carries that owner.
                findings.add(Finding.Kind.INFO, checked, line, purpose + " " + path + ": " + checked + " (" + owner
                        + ") is given to " + writer + " by the entrypoint at " + fix.get().where()
                        + ", an ownership fix the result keeps", data);
            } else if (Boolean.FALSE.equals(writable)) {
                findings.add(Finding.Kind.WARNING, checked, line, purpose + " " + path + ": " + checked + " (" + owner
                        + ") is not writable by " + writer, data);
            } else {
                findings.add(Finding.Kind.INFO, checked, line, purpose + " " + path + " is written by " + writer + "; "
                        + checked + " is " + owner + (exists ? "" : " (" + path + " does not exist yet)"), data);
            }
        }

        /** The entrypoint step whose ownership fix gives {@code path} to {@code writer} (the official images' chown). */
        Optional<StartupStep> ownershipFix(String path, String writer) {
            int uid = uid(writer);
            for (StartupStep s : ctx.run(new ShellDetector()).result().steps()) {
                if (s.action() == StepAction.IDENTITY && s.ownership().stream().anyMatch(o -> o.uid() == uid
                        && (o.path().equals(path) || o.recursive() && path.startsWith(o.path() + "/")))) {
                    return Optional.of(s);
                }
            }
            return Optional.empty();
        }

        Boolean writable(FileEntry entry, String writer) {
            int uid = uid(writer);
            if (uid < 0) {
                return null;
            }
            if (uid == 0) {
                return true;
            }
            List<Integer> gids = db.user(writer).map(db::gidsOf).orElse(List.of());
            int mode = entry.mode();
            if (entry.uid() == uid) {
                return (mode & 0200) != 0;
            }
            if (gids.contains(entry.gid())) {
                return (mode & 0020) != 0;
            }
            return (mode & 0002) != 0;
        }
    }
}
