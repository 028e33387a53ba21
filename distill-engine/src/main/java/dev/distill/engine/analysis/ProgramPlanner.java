package dev.distill.engine.analysis;

import dev.distill.engine.detect.accounts.AccountsResult;
import dev.distill.engine.detect.nginx.NginxResult;
import dev.distill.engine.detect.php.PhpResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.loader.ElfDependencyResolver;
import dev.distill.engine.loader.ElfResolution;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.BaseChoice;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.Libc;
import dev.distill.engine.plan.PlanNote;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.WritablePlace;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns one program (its command line and what the detectors know) into a {@link ProgramPlan}: the files to
 * carry with the reason for each, its base, accounts and writable places, and what blocks or needs review.
 */
final class ProgramPlanner {

    /** A program as the image runs it: from the entrypoint, or one supervisord program. */
    record Program(String name, List<String> command, String executable, String user, String workingDir,
            List<String> env, List<String> exposedPorts, String stopSignal) {
    }

    private final ImageFileSystem fs;
    private final ElfDependencyResolver resolver;
    private final PhpResult php;
    private final NginxResult nginx;
    private final AccountsResult accounts;
    private final Map<String, String> configTexts;
    private final java.util.function.Predicate<FileEntry> isElf;

    /**
     * @param configTexts configuration files under {@code /etc} by path, to find shared objects they name
     * @param isElf whether a file is an ELF file
     */
    ProgramPlanner(ImageFileSystem fs, ElfDependencyResolver resolver, PhpResult php, NginxResult nginx,
            AccountsResult accounts, Map<String, String> configTexts, java.util.function.Predicate<FileEntry> isElf) {
        this.fs = fs;
        this.configTexts = configTexts;
        this.isElf = isElf;
        this.resolver = resolver;
        this.php = php;
        this.nginx = nginx;
        this.accounts = accounts;
    }

    ProgramPlan plan(Program program, List<String> allProgramNames) {
        Map<String, CarriedFile> files = new LinkedHashMap<>();
        List<PlanNote> blockers = new ArrayList<>();
        List<PlanNote> warnings = new ArrayList<>();
        Set<String> sonames = new TreeSet<>();
        Libc libc = Libc.NONE;

        if (program.executable() == null || program.executable().isEmpty()) {
            blockers.add(new PlanNote(program.command().isEmpty() ? null : program.command().get(0), null,
                    "the program '" + program.name() + "' does not exist in the image"));
        } else {
            ElfResolution main = resolver.resolve(program.executable());
            libc = libcOf(main);
            carryClosure(main, "the program " + program.executable() + " and what its loader loads", files, blockers,
                    sonames);
            if (main.loader() == ElfResolution.LoaderKind.NOT_ELF) {
                blockers.add(new PlanNote(program.executable(), layerOf(program.executable()),
                        "the program is not an ELF file (" + String.join("; ", main.notes()) + "); Distill carries ELF programs"));
            }
            String base = Paths.name(program.executable());
            if (base.startsWith("php")) {
                planPhp(files, blockers, sonames);
            }
            if (base.startsWith("nginx") && nginx.found()) {
                planNginx(files, blockers, sonames);
            }
            planNamedObjects(base, allProgramNames.size() == 1, files, blockers, sonames);
            planWorkingDirectory(program, files);
            planCommandLinePaths(program, files);
        }

        BaseChoice baseChoice = BaseChoice.choose(libc, sonames);
        List<WritablePlace> writable = writablePlaces(program, allProgramNames);
        List<Account> accountsNeeded = accountsFor();
        return new ProgramPlan(program.name(), program.command(), program.user(), program.workingDir(), program.env(),
                exposedPorts(program, allProgramNames.size() > 1), program.stopSignal(), baseChoice, List.copyOf(files.values()), accountsNeeded,
                writable, blockers, warnings);
    }

    /**
     * The image's EXPOSE belongs to the image, not to each program: in an image of several programs a port goes to
     * the program whose configuration listens on it (nginx's {@code listen}, a php-fpm pool's TCP {@code listen}),
     * and a port no known configuration claims stays with the programs Distill cannot see into.
     */
    private List<String> exposedPorts(Program program, boolean severalPrograms) {
        if (!severalPrograms) {
            return program.exposedPorts();
        }
        Set<Integer> nginxPorts = new TreeSet<>();
        nginx.listens().forEach(l -> { if (l.port() > 0) { nginxPorts.add(l.port()); } });
        Set<Integer> phpPorts = new TreeSet<>();
        php.fpm().forEach(f -> f.pools().forEach(pool -> { if (pool.listenPort() > 0) { phpPorts.add(pool.listenPort()); } }));
        String base = program.executable() == null ? "" : Paths.name(program.executable());
        Set<Integer> claimed = new TreeSet<>(nginxPorts);
        claimed.addAll(phpPorts);
        List<String> ports = new ArrayList<>();
        for (String exposed : program.exposedPorts()) {
            int port;
            try {
                port = Integer.parseInt(exposed.split("/")[0]);
            } catch (NumberFormatException e) {
                ports.add(exposed);
                continue;
            }
            boolean own = base.startsWith("nginx") ? nginxPorts.contains(port)
                    : base.startsWith("php") ? phpPorts.contains(port) : !claimed.contains(port);
            if (own) {
                ports.add(exposed);
            }
        }
        return ports;
    }

    private void planPhp(Map<String, CarriedFile> files, List<PlanNote> blockers, Set<String> sonames) {
        for (PhpResult.Installation i : php.installations()) {
            carryPath(i.phpIni(), "php.ini", files);
            i.iniFiles().forEach(f -> carryPath(f, "PHP configuration (scan directory)", files));
            for (PhpResult.Extension e : i.extensions()) {
                if (!e.module().isEmpty()) {
                    ElfResolution r = resolver.resolve(e.module());
                    carryClosure(r, "PHP extension " + e.value() + " (dlopened, " + e.file() + ":" + e.line() + ")",
                            files, blockers, sonames);
                }
            }
        }
        for (PhpResult.FpmConfig f : php.fpm()) {
            f.files().forEach(p -> carryPath(p, "php-fpm configuration", files));
            for (PhpResult.Pool pool : f.pools()) {
                if (pool.chdir() != null && !pool.chdir().isEmpty()) {
                    carryTree(pool.chdir(), "php-fpm pool " + pool.name() + " chdir", files);
                }
            }
        }
        // The PHP scripts live where nginx's root points; php-fpm reads them through SCRIPT_FILENAME.
        nginx.roots().forEach(r -> carryTree(r.path(), "application files (nginx root " + r.file() + ":" + r.line()
                + ", executed by php-fpm)", files));
    }

    private static final java.util.regex.Pattern SHARED_OBJECT =
            java.util.regex.Pattern.compile("(/[A-Za-z0-9._+@-]+)+\\.so(\\.[0-9]+)*");

    /**
     * Shared objects a program dlopens by a path written in its configuration (a plugin named in
     * {@code /etc/greeter.conf}): they appear in no DT_NEEDED. Looked for in the program's own configuration files
     * (named after it), or in all of {@code /etc} when the image runs only this program.
     */
    private void planNamedObjects(String programName, boolean onlyProgram, Map<String, CarriedFile> files,
            List<PlanNote> blockers, Set<String> sonames) {
        String stem = programName.replaceAll("[0-9.]+$", "");
        for (Map.Entry<String, String> config : configTexts.entrySet()) {
            if (!onlyProgram && (stem.isEmpty() || !Paths.name(config.getKey()).contains(stem))) {
                continue;
            }
            String[] lines = config.getValue().split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                java.util.regex.Matcher m = SHARED_OBJECT.matcher(lines[i]);
                while (m.find()) {
                    String named = m.group();
                    if (files.containsKey(named)) {
                        continue;
                    }
                    FileEntry target = resolveQuietly(named).orElse(null);
                    if (target != null && target.isRegular() && isElf.test(target)) {
                        carryClosure(resolver.resolve(named), "shared object named in " + config.getKey() + ":" + (i + 1)
                                + " (loaded with dlopen)", files, blockers, sonames);
                        // The program learns the plugin's path from this file at run time: without it, the
                        // carried plugin is never loaded (the greeter exits at once).
                        if (!files.containsKey(config.getKey())) {
                            carryPath(config.getKey(), "configuration naming the dlopened " + named, files);
                        }
                    }
                }
            }
        }
    }

    /** Directories that hold the system, never an application's own files. */
    private static final Set<String> SYSTEM_DIRECTORIES = Set.of("/", "/bin", "/sbin", "/lib", "/lib64", "/usr",
            "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/local", "/usr/local/bin", "/etc", "/var", "/root", "/tmp", "/home");

    /** The program's working directory is its application directory (WORKDIR or the supervisord directory). */
    private void planWorkingDirectory(Program program, Map<String, CarriedFile> files) {
        if (program.workingDir() == null || program.workingDir().isEmpty()) {
            return;
        }
        String dir = Paths.normalize(program.workingDir());
        if (!SYSTEM_DIRECTORIES.contains(dir)) {
            carryTree(dir, "the program's working directory (application files)", files);
        }
    }

    /** Paths on the command line ({@code -h /srv/www}, {@code -c /etc/app.conf}) are the program's to read. */
    private void planCommandLinePaths(Program program, Map<String, CarriedFile> files) {
        for (String arg : program.command().subList(Math.min(1, program.command().size()), program.command().size())) {
            String path = arg.contains("=") && arg.startsWith("-") ? arg.substring(arg.indexOf('=') + 1) : arg;
            if (!path.startsWith("/") || SYSTEM_DIRECTORIES.contains(Paths.normalize(path))) {
                continue;
            }
            FileEntry target = resolveQuietly(path).orElse(null);
            if (target == null) {
                continue;
            }
            String why = "named on the command line (" + arg + ")";
            if (target.isDirectory()) {
                carryTree(path, why, files);
            } else {
                carryPath(path, why, files);
            }
        }
    }

    private void planNginx(Map<String, CarriedFile> files, List<PlanNote> blockers, Set<String> sonames) {
        nginx.configFiles().forEach(p -> carryPath(p, "nginx configuration", files));
        nginx.files().forEach(r -> carryPath(r.path(), "file named by nginx " + r.directive() + " (" + r.file() + ":"
                + r.line() + ")", files));
        for (NginxResult.Ref m : nginx.modules()) {
            ElfResolution r = resolver.resolve(m.path());
            carryClosure(r, "nginx module (load_module, " + m.file() + ":" + m.line() + ")", files, blockers, sonames);
        }
        nginx.roots().forEach(r -> carryTree(r.path(), "document root (" + r.file() + ":" + r.line() + ")", files));
    }

    /**
     * The directories this program writes to, with the owner that lets it write. A pid, socket or log file
     * needs its directory; supervisord's own places go away with supervisord. A socket directory that another
     * program connects to (nginx's {@code fastcgi_pass unix:}) is shared with it: the wiring mounts one volume.
     */
    private List<WritablePlace> writablePlaces(Program program, List<String> allProgramNames) {
        Map<String, WritablePlace> out = new LinkedHashMap<>();
        String exe = program.executable() == null ? "" : Paths.name(program.executable());
        for (AccountsResult.WritablePlace w : accounts.writable()) {
            String purpose = w.purpose().toLowerCase(java.util.Locale.ROOT);
            if (purpose.startsWith("supervisord") || !concerns(purpose, exe)) {
                continue;
            }
            boolean fileInDirectory = purpose.contains("pid") || purpose.contains("socket") || purpose.contains("log");
            String dir = fileInDirectory ? Paths.parent(Paths.normalize(w.path())) : Paths.normalize(w.path());
            int[] owner = ownerOf(w.writer(), w);
            List<String> shared = new ArrayList<>();
            if (purpose.contains("socket")) {
                for (NginxResult.Ref s : nginx.upstreamSockets()) {
                    if (Paths.parent(Paths.normalize(s.path())).equals(dir)) {
                        allProgramNames.stream().filter(n -> !n.equals(program.name()) && !shared.contains(n))
                                .forEach(shared::add);
                    }
                }
            }
            out.merge(dir, new WritablePlace(dir, owner[0], owner[1], w.exists() ? w.mode() : 0755, w.purpose(), shared),
                    (a, b) -> a.sharedWith().isEmpty() ? b : a);
        }
        // The other side of a shared socket directory: nginx connects to php-fpm's socket.
        if (exe.startsWith("nginx")) {
            for (NginxResult.Ref s : nginx.upstreamSockets()) {
                String dir = Paths.parent(Paths.normalize(s.path()));
                List<String> others = allProgramNames.stream().filter(n -> !n.equals(program.name())).toList();
                out.putIfAbsent(dir, new WritablePlace(dir, 0, 0, 0755, "socket " + s.path() + " (" + s.directive()
                        + ", " + s.file() + ":" + s.line() + ")", others));
            }
        }
        return List.copyOf(out.values());
    }

    /** Whether a writable place of this purpose ("php-fpm pid", "nginx client_body_temp_path") is this program's. */
    private static boolean concerns(String purpose, String exe) {
        if (purpose.startsWith("php")) {
            return exe.startsWith("php");
        }
        if (purpose.startsWith("nginx")) {
            return exe.startsWith("nginx");
        }
        return true;
    }

    private int[] ownerOf(String writer, AccountsResult.WritablePlace w) {
        if (writer == null || writer.isEmpty() || writer.equals("root")) {
            return new int[] {w.exists() ? w.uid() : 0, w.exists() ? w.gid() : 0};
        }
        for (AccountsResult.UserRef u : accounts.users()) {
            if (u.found() && (u.requested().equals(writer) || String.valueOf(u.uid()).equals(writer))) {
                return new int[] {u.uid(), u.gid()};
            }
        }
        return new int[] {w.uid(), w.gid()};
    }

    private List<Account> accountsFor() {
        List<Account> out = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (AccountsResult.UserRef u : accounts.users()) {
            if (u.found() && seen.add(u.requested())) {
                String group = accounts.groups().stream().filter(g -> g.found() && g.gid() == u.gid())
                        .map(AccountsResult.GroupRef::requested).findFirst().orElse(String.valueOf(u.gid()));
                out.add(new Account(u.requested(), u.uid(), group, u.gid(), u.home()));
            }
        }
        return out;
    }

    private void carryClosure(ElfResolution r, String why, Map<String, CarriedFile> files, List<PlanNote> blockers,
            Set<String> sonames) {
        for (String path : r.closure()) {
            carryPath(path, why, files);
        }
        r.libraries().forEach(l -> sonames.add(l.name()));
        for (ElfResolution.Unresolved u : r.unresolved()) {
            blockers.add(new PlanNote(u.requestedBy(), layerOf(u.requestedBy()), "library " + u.name()
                    + " cannot be found for " + (u.requestedBy() == null ? r.path() : u.requestedBy()) + ": " + u.reason()));
        }
    }

    /** Carries one path as it is (a link stays a link; its target is carried by whoever needs it). */
    private void carryPath(String path, String why, Map<String, CarriedFile> files) {
        if (path == null || path.isEmpty() || !path.startsWith("/") || files.containsKey(Paths.normalize(path))) {
            return;
        }
        FileEntry e = fs.entry(path).orElse(null);
        if (e == null || e.path().startsWith("/dev/") || e.path().startsWith("/proc/")) {
            return;
        }
        files.put(e.path(), CarriedFile.of(e, why));
        // A symlink is only useful with what it points at (a link loop is carried as it is: the loaders report it).
        if (e.isSymlink()) {
            resolveQuietly(path).filter(t -> !t.isDirectory()).ifPresent(t -> carryPath(t.path(), why, files));
        }
    }

    /** Carries a directory and everything below it (application files, document roots). */
    private void carryTree(String dir, String why, Map<String, CarriedFile> files) {
        FileEntry root = resolveQuietly(dir).orElse(null);
        if (root == null || !root.isDirectory()) {
            return;
        }
        carryPath(root.path(), why, files);
        String prefix = root.path().equals("/") ? "/" : root.path() + "/";
        if (prefix.equals("/")) {
            return;
        }
        fs.entries().filter(e -> e.path().startsWith(prefix)).forEach(e -> carryPath(e.path(), why, files));
    }

    /** Resolves inside the image; a symlink loop is simply not there. */
    private java.util.Optional<FileEntry> resolveQuietly(String path) {
        try {
            return fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return java.util.Optional.empty();
        }
    }

    private static Libc libcOf(ElfResolution r) {
        return switch (r.loader()) {
            case MUSL -> Libc.MUSL;
            case GLIBC, UNKNOWN -> Libc.GLIBC;
            default -> Libc.NONE;
        };
    }

    private String layerOf(String path) {
        if (path == null || path.isEmpty() || !path.startsWith("/")) {
            return null;
        }
        return fs.entry(path).map(FileEntry::layerDigest).orElse(null);
    }
}
