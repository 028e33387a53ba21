package dev.distill.engine.detect.accounts;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Detector;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.detect.Findings;
import dev.distill.engine.detect.TextFile;
import dev.distill.engine.detect.nginx.NginxDetector;
import dev.distill.engine.detect.nginx.NginxResult;
import dev.distill.engine.detect.php.PhpDetector;
import dev.distill.engine.detect.php.PhpResult;
import dev.distill.engine.detect.supervisord.SupervisordDetector;
import dev.distill.engine.detect.supervisord.SupervisordResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Looks up every user and group the image's programs run as, and the owner and mode of every place they
 * write. Which user writes what follows the programs' rules: a {@code user} directive only takes effect when
 * the process that reads it runs as root (supervisord programs, php-fpm pools, nginx workers).
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

        SupervisordResult sup = ctx.run(new SupervisordDetector()).result();
        PhpResult php = ctx.run(new PhpDetector()).result();
        NginxResult nginx = ctx.run(new NginxDetector()).result();

        String supUser = containerUser;
        String phpMaster = containerUser;
        String nginxMaster = containerUser;
        if (sup.found()) {
            String main = sup.mainConfig().isEmpty() ? sup.configFiles().get(0) : sup.mainConfig();
            if (!sup.daemon().user().isEmpty()) {
                run.user(sup.daemon().user(), "supervisord user", main, 0);
                supUser = run.effective(containerUser, sup.daemon().user(), "supervisord [supervisord] user=", main, 0);
            }
            for (SupervisordResult.Program p : sup.programs()) {
                String user = supUser;
                if (!p.user().isEmpty()) {
                    run.user(p.user(), "supervisord program " + p.name(), p.file(), p.line());
                    user = run.effective(supUser, p.user(), "supervisord program " + p.name() + " user=", p.file(), p.line());
                }
                if (p.programName().startsWith("php-fpm")) {
                    phpMaster = user;
                } else if (p.programName().equals("nginx")) {
                    nginxMaster = user;
                }
                log(run, p.stdoutLogfile(), "supervisord " + p.name() + " stdout log", supUser, p.file(), p.line());
                log(run, p.stderrLogfile(), "supervisord " + p.name() + " stderr log", supUser, p.file(), p.line());
            }
            if (!sup.daemon().pidfile().isEmpty()) {
                run.place(sup.daemon().pidfile(), "supervisord pid", supUser, main, 0, true);
            }
            log(run, sup.daemon().logfile(), "supervisord log", supUser, main, 0);
            if (!sup.unixSocket().isEmpty()) {
                run.place(sup.unixSocket(), "supervisord socket", supUser, main, 0, true);
            }
        }

        String phpWorker = phpMaster;
        for (PhpResult.FpmConfig fpm : php.fpm()) {
            if (!fpm.pid().isEmpty()) {
                run.place(fpm.pid(), "php-fpm pid", phpMaster, fpm.path(), 0, true);
            }
            log(run, fpm.errorLog(), "php-fpm error log", phpMaster, fpm.path(), 0);
            for (PhpResult.Pool pool : fpm.pools()) {
                String src = "php-fpm pool " + pool.name();
                String worker = phpMaster;
                if (!pool.user().isEmpty()) {
                    run.user(pool.user(), src + " user", pool.file(), pool.line());
                    worker = run.effective(phpMaster, pool.user(), src + " user", pool.file(), pool.line());
                }
                if (!pool.group().isEmpty()) {
                    run.group(pool.group(), src + " group", pool.file(), pool.line());
                }
                if (!pool.listenOwner().isEmpty()) {
                    run.user(pool.listenOwner(), src + " listen.owner", pool.file(), pool.line());
                }
                if (!pool.listenGroup().isEmpty()) {
                    run.group(pool.listenGroup(), src + " listen.group", pool.file(), pool.line());
                }
                if (!pool.listenSocket().isEmpty()) {
                    run.place(pool.listenSocket(), "php-fpm socket", phpMaster, pool.file(), pool.line(), true);
                }
                log(run, pool.accessLog(), src + " access log", phpMaster, pool.file(), pool.line());
                if (phpWorker.equals(phpMaster)) {
                    phpWorker = worker;
                }
                log(run, pool.slowlog(), src + " slow log", phpMaster, pool.file(), pool.line());
            }
        }

        String phpWrites = phpWorker;  // sessions, uploads and temp files are written by the pool's workers
        for (PhpResult.Installation inst : php.installations()) {
            String file = inst.phpIni().isEmpty() ? inst.configDir() : inst.phpIni();
            inst.writablePaths().forEach((key, path) -> run.place(path, "php " + key, phpWrites, file, 0, key.equals("error_log")));
        }

        if (nginx.found()) {
            String worker = nginxMaster;
            if (!nginx.user().isEmpty()) {
                run.user(nginx.user(), "nginx user", nginx.mainConfig(), 0);
                if (!nginx.group().isEmpty()) {
                    run.group(nginx.group(), "nginx user (group)", nginx.mainConfig(), 0);
                }
                worker = run.effective(nginxMaster, nginx.user(), "nginx user", nginx.mainConfig(), 0);
            }
            if (nginx.pid() != null) {
                run.place(nginx.pid().path(), "nginx pid", nginxMaster, nginx.pid().file(), nginx.pid().line(), true);
            }
            for (NginxResult.Ref l : nginx.errorLogs()) {
                log(run, l.path(), "nginx error log", nginxMaster, l.file(), l.line());
            }
            for (NginxResult.Ref l : nginx.accessLogs()) {
                log(run, l.path(), "nginx access log", nginxMaster, l.file(), l.line());
            }
            for (NginxResult.Ref t : nginx.tempPaths()) {
                // A temp directory that is not there yet is made by the master at start (and handed to the
                // workers), so it is the master that needs its parent writable.
                String writer = run.ctx.isDirectory(t.path()) ? worker : nginxMaster;
                run.place(t.path(), "nginx " + t.directive(), writer, t.file(), t.line(), false);
            }
            for (NginxResult.Listen l : nginx.listens()) {
                if (!l.socket().isEmpty()) {
                    run.place(l.socket(), "nginx listen socket", nginxMaster, l.file(), l.line(), true);
                }
            }
        }
        run.place("/tmp", "temporary files", containerUser, "", 0, false);
        return findings.done(new AccountsResult(run.users, run.groups, new ArrayList<>(run.places.values())));
    }

    private static void log(Run run, String path, String purpose, String writer, String file, int line) {
        if (path == null || path.isEmpty() || !path.startsWith("/") || path.startsWith("/dev/") || path.startsWith("/proc/")) {
            return;  // streams, AUTO, NONE, syslog, stderr
        }
        run.place(path, purpose, writer, file, line, true);
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
        void place(String path, String purpose, String writer, String file, int line, boolean createsEntry) {
            String key = path + "\u0000" + writer;
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
            AccountsResult.WritablePlace p = new AccountsResult.WritablePlace(path, purpose, writer, checked, exists,
                    entry.uid(), entry.gid(), entry.mode(), writable, file, line);
            places.put(key, p);
            String owner = entry.uid() + ":" + entry.gid() + " mode " + String.format("%04o", entry.mode());
            Map<String, String> data = Map.of("place", path, "checked", checked, "owner", entry.uid() + ":" + entry.gid(),
                    "mode", String.format("%04o", entry.mode()), "writer", writer);
            if (Boolean.FALSE.equals(writable)) {
                findings.add(Finding.Kind.WARNING, checked, line, purpose + " " + path + ": " + checked + " (" + owner
                        + ") is not writable by " + writer, data);
            } else {
                findings.add(Finding.Kind.INFO, checked, line, purpose + " " + path + " is written by " + writer + "; "
                        + checked + " is " + owner + (exists ? "" : " (" + path + " does not exist yet)"), data);
            }
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
