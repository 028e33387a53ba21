package dev.distill.engine.analysis;

import dev.distill.engine.detect.Launch;
import dev.distill.engine.detect.ProgramProfile;
import dev.distill.engine.detect.accounts.AccountsResult;
import dev.distill.engine.detect.programs.ProgramsResult;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.loader.ElfDependencyResolver;
import dev.distill.engine.loader.ElfResolution;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.BaseChoice;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.Libc;
import dev.distill.engine.plan.PlanNote;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.plan.ProgramRole;
import dev.distill.engine.plan.WritablePlace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one program (how the image launches it and its profile) into a {@link ProgramPlan}: the files to carry with
 * the reason for each, its base, who it runs as, its accounts and writable places, its ports, and what blocks or
 * needs review. It knows no program: everything particular to one comes from the profile its kinds made.
 */
final class ProgramPlanner {

    /** Distroless's {@code nonroot} account, in every base. */
    static final Identity NONROOT = new Identity(65532, 65532, List.of(), "nonroot", "/home/nonroot");
    /** More places than this in one application tree are not a few data directories but the whole application. */
    static final int MAX_OWNED_PLACES = 32;

    private final ImageFileSystem fs;
    private final ElfDependencyResolver resolver;
    private final AccountsResult accounts;
    private final Passwd passwd;
    private final Map<String, String> configTexts;
    private final Predicate<FileEntry> isElf;
    private final List<ProgramsResult.Program> all;
    private final List<String> imagePorts;
    private final Map<String, List<PlaceDraft>> owned = new LinkedHashMap<>();
    private final Map<String, List<PlanNote>> ownedWarnings = new LinkedHashMap<>();

    /**
     * @param programs every program of the image (ports and shared places are decided among them)
     * @param configTexts configuration files under {@code /etc} by path, to find shared objects they name
     * @param isElf whether a file is an ELF file
     * @param imagePorts the image's EXPOSE
     */
    ProgramPlanner(ImageFileSystem fs, ElfDependencyResolver resolver, AccountsResult accounts, Passwd passwd,
            List<ProgramsResult.Program> programs, List<String> imagePorts, Map<String, String> configTexts,
            Predicate<FileEntry> isElf) {
        this.fs = fs;
        this.resolver = resolver;
        this.accounts = accounts;
        this.passwd = passwd;
        this.all = List.copyOf(programs);
        this.imagePorts = List.copyOf(imagePorts);
        this.configTexts = configTexts;
        this.isElf = isElf;
    }

    ProgramPlan plan(ProgramsResult.Program program) {
        Launch launch = program.launch();
        ProgramProfile profile = program.profile();
        Map<String, CarriedFile> files = new LinkedHashMap<>();
        List<PlanNote> blockers = new ArrayList<>();
        List<PlanNote> warnings = new ArrayList<>();
        Set<String> sonames = new TreeSet<>();
        Libc libc = Libc.NONE;

        if (launch.executable().isEmpty()) {
            blockers.add(new PlanNote(launch.argv().get(0), null, launch.script().isEmpty()
                    ? "the program '" + program.name() + "' (" + launch.argv().get(0) + ") does not exist in the image"
                    : "the program '" + program.name() + "' is the script " + launch.script() + ", and the interpreter its"
                    + " #! line names is not in the image"));
        } else {
            ElfResolution main = resolver.resolve(launch.executable());
            libc = libcOf(main);
            carryClosure(main, "the program " + launch.executable() + " and what its loader loads", files, blockers, sonames);
            if (main.loader() == ElfResolution.LoaderKind.NOT_ELF) {
                blockers.add(new PlanNote(launch.executable(), layerOf(launch.executable()), isScript(launch.executable())
                        ? "the program is a shell script: it needs a shell, which a distroless image does not have"
                        : "the program is not an ELF file (" + String.join("; ", main.notes()) + "); Distill carries ELF programs"));
            }
            if (!launch.script().isEmpty()) {
                carryPath(launch.script(), "the script " + launch.executable() + " runs (its #! line names it)", files);
            }
            for (ProgramProfile.Carry c : profile.carry()) {
                String why = profile.kind() + ": " + c.reason();
                switch (c.how()) {
                    case FILE -> carryPath(c.path(), why, files);
                    case TREE -> carryTree(c.path(), why, c.excluding(), files);
                    case OBJECT -> carryObject(c.path(), why, files, blockers, sonames);
                    default -> throw new IllegalStateException("unknown carry " + c.how());
                }
            }
            planNamedObjects(Paths.name(launch.executable()), all.size() == 1, files, blockers, sonames);
            planWorkingDirectory(launch, profile, files);
            planCommandLinePaths(launch, files);
        }

        Identity source = sourceIdentity(launch);
        List<Identity> switchesTo = switchTargets(profile);
        RunAs runAs = runAs(source, switchesTo, launch);
        List<WritablePlace> writable = writablePlaces(program, runAs.identity(), warnings);
        List<Account> programAccounts = accountsFor(launch, profile, runAs.identity());
        return new ProgramPlan(program.name(), launch.argv(), launch.user(), launch.workingDir(), launch.env(),
                exposedPorts(program), program.stopSignal(), BaseChoice.choose(libc, sonames), List.copyOf(files.values()),
                programAccounts, writable, blockers, warnings, profile.kind(), ProgramRole.SERVICE, runAs.identity(),
                runAs.why(), profile.probes());
    }

    /** Who the result runs a program as, and why. */
    record RunAs(Identity identity, String why) {
    }

    /**
     * Distroless results do not run as root. A program the source runs as a non-root account keeps that account (its
     * files are owned by it). A program the source starts as root whose own configuration switches to exactly one
     * account (php-fpm's pool user, nginx's {@code user}) runs as that account from the start: that is the user it
     * does its work as, its sockets and files are owned by it, and it no longer needs root to switch. Anything else
     * runs as distroless's {@code nonroot} (65532).
     */
    static RunAs runAs(Identity source, List<Identity> switchesTo, Launch launch) {
        if (!source.isRoot()) {
            return new RunAs(source, "runs as " + describe(source) + ", the non-root user the source runs it as");
        }
        Set<Integer> uids = new TreeSet<>();
        switchesTo.stream().filter(i -> !i.isRoot()).forEach(i -> uids.add(i.uid()));
        if (uids.size() == 1) {
            Identity to = switchesTo.stream().filter(i -> !i.isRoot()).findFirst().orElseThrow();
            return new RunAs(to, "the source starts it as root and its configuration switches to " + describe(to)
                    + "; it runs as that user from the start");
        }
        return new RunAs(NONROOT, "the source runs it as " + (launch.user().isEmpty() ? "root" : launch.user())
                + "; distroless results run as nonroot (65532)");
    }

    private static String describe(Identity i) {
        return (i.name().isEmpty() ? "uid " + i.uid() : i.name()) + " (" + i.spec() + ")";
    }

    /** The identity the source runs the program as; root when it cannot be resolved (the accounts detector blocks). */
    private Identity sourceIdentity(Launch launch) {
        try {
            return Identity.resolve(launch.user(), passwd);
        } catch (IllegalArgumentException e) {
            return Identity.ROOT;
        }
    }

    /** The accounts the profile says the program switches to, resolved (with their group when it names one). */
    private List<Identity> switchTargets(ProgramProfile profile) {
        List<Identity> out = new ArrayList<>();
        for (ProgramProfile.AccountUse a : profile.accounts()) {
            if (a.role() != ProgramProfile.AccountUse.Role.SWITCHES_TO || a.user().isEmpty()) {
                continue;
            }
            try {
                out.add(Identity.resolve(a.group().isEmpty() ? a.user() : a.user() + ":" + a.group(), passwd));
            } catch (IllegalArgumentException e) {
                // A user or group the image lacks: the accounts detector's blocker says so.
            }
        }
        return out;
    }

    /**
     * The image's EXPOSE belongs to the image, not to each program: in an image of several programs a port goes to
     * the program whose profile listens on it, and a port no profile claims stays with the programs whose listens
     * no kind knows.
     */
    private List<String> exposedPorts(ProgramsResult.Program program) {
        if (all.size() <= 1) {
            return imagePorts;
        }
        Set<Integer> claimed = new TreeSet<>();
        all.forEach(p -> p.profile().listens().forEach(l -> {
            if (l.port() > 0) {
                claimed.add(l.port());
            }
        }));
        Set<Integer> own = new TreeSet<>();
        program.profile().listens().forEach(l -> {
            if (l.port() > 0) {
                own.add(l.port());
            }
        });
        List<String> ports = new ArrayList<>();
        for (String exposed : imagePorts) {
            int port;
            try {
                port = Integer.parseInt(exposed.split("/")[0]);
            } catch (NumberFormatException e) {
                ports.add(exposed);
                continue;
            }
            if (own.contains(port) || (!program.profile().listensKnown() && !claimed.contains(port))) {
                ports.add(exposed);
            }
        }
        return ports;
    }

    private static final Pattern SHARED_OBJECT = Pattern.compile("(/[A-Za-z0-9._+@-]+)+\\.so(\\.[0-9]+)*");

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
            if (config.getValue().indexOf('\0') >= 0) {
                continue;  // binary (the loader's own /etc/ld.so.cache names every library): not a configuration
            }
            String[] lines = config.getValue().split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                Matcher m = SHARED_OBJECT.matcher(lines[i]);
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

    /**
     * The program's working directory is its application directory (WORKDIR or the supervisord directory), unless its
     * profile carries that directory itself (then with what the kind knows to leave out of it).
     */
    private void planWorkingDirectory(Launch launch, ProgramProfile profile, Map<String, CarriedFile> files) {
        String dir = launch.workingDir();
        boolean profileCarriesIt = profile.carry().stream()
                .anyMatch(c -> c.application() && Paths.normalize(c.path()).equals(dir));
        if (!Launch.isSystemDirectory(dir) && !profileCarriesIt) {
            carryTree(dir, "the program's working directory (application files)", List.of(), files);
        }
    }

    /** Paths on the command line ({@code -h /srv/www}, {@code -c /etc/app.conf}) are the program's to read. */
    private void planCommandLinePaths(Launch launch, Map<String, CarriedFile> files) {
        for (String arg : launch.arguments()) {
            String path = arg.contains("=") && arg.startsWith("-") ? arg.substring(arg.indexOf('=') + 1) : arg;
            if (!path.startsWith("/") || Launch.isSystemDirectory(path)) {
                continue;
            }
            FileEntry target = resolveQuietly(path).orElse(null);
            if (target == null) {
                continue;
            }
            String why = "named on the command line (" + arg + ")";
            if (target.isDirectory()) {
                carryTree(path, why, List.of(), files);
            } else {
                carryPath(path, why, files);
            }
        }
    }

    /**
     * The directories this program writes, owned as the result needs them. Its profile's places (a pid, socket or log
     * file needs its directory) with the owner that lets the writer write, a place the source had owned by root
     * belonging to the identity the program now runs as; and the directories of its application that the image gives
     * to its user (a Laravel {@code storage/} tree chowned to www-data), each its own place so that the tree keeps its
     * shape. A place another program of the image also writes, or whose unix socket another program connects to, is
     * shared with it: the wiring mounts one volume.
     */
    private List<WritablePlace> writablePlaces(ProgramsResult.Program program, Identity runAs, List<PlanNote> warnings) {
        Map<String, PlaceDraft> out = new LinkedHashMap<>();
        for (AccountsResult.WritablePlace w : accounts.writable()) {
            if (!w.program().equals(program.name())) {
                continue;
            }
            String dir = w.createsEntry() ? Paths.parent(Paths.normalize(w.path())) : Paths.normalize(w.path());
            int[] owner = ownerOf(w.writer(), w);
            out.putIfAbsent(dir, new PlaceDraft(dir, owner[0], owner[1], w.exists() ? w.mode() : 0755, w.purpose()));
        }
        ownedApplicationDirectories(program).forEach(d -> out.putIfAbsent(d.path, d));
        warnings.addAll(ownedWarnings.getOrDefault(program.name(), List.of()));
        // The other side of a socket: a program that connects to another's unix socket needs the directory it is in.
        for (ProgramProfile.Connect c : program.profile().connects()) {
            String dir = Paths.parent(Paths.normalize(c.socket()));
            out.putIfAbsent(dir, new PlaceDraft(dir, 0, 0, 0755, "socket " + c.socket() + " (" + c.directive() + ", "
                    + c.file() + ":" + c.line() + ")"));
        }
        List<WritablePlace> places = new ArrayList<>();
        for (PlaceDraft d : out.values()) {
            places.add(new WritablePlace(d.path, d.uid == 0 ? runAs.uid() : d.uid, d.gid == 0 ? runAs.gid() : d.gid, d.mode,
                    d.why, sharers(program, d.path)));
        }
        return places;
    }

    /** A place before the result's ownership is applied. */
    private record PlaceDraft(String path, int uid, int gid, int mode, String why) {
    }

    /** The other programs that use this directory too: they write it, listen on a socket in it or connect to one there. */
    private List<String> sharers(ProgramsResult.Program program, String dir) {
        Set<String> out = new LinkedHashSet<>();
        boolean socketHere = usesSocketIn(program.profile(), dir);
        for (ProgramsResult.Program other : all) {
            if (other.name().equals(program.name())) {
                continue;
            }
            boolean writesHere = accounts.writable().stream().anyMatch(w -> w.program().equals(other.name())
                    && (w.createsEntry() ? Paths.parent(Paths.normalize(w.path())) : Paths.normalize(w.path())).equals(dir));
            boolean ownsHere = ownedApplicationDirectories(other).stream().anyMatch(d -> d.path.equals(dir));
            if (writesHere || ownsHere || (socketHere && usesSocketIn(other.profile(), dir))) {
                out.add(other.name());
            }
        }
        return List.copyOf(out);
    }

    private static boolean usesSocketIn(ProgramProfile profile, String dir) {
        return profile.listens().stream().anyMatch(l -> !l.socket().isEmpty() && Paths.parent(Paths.normalize(l.socket())).equals(dir))
                || profile.connects().stream().anyMatch(c -> Paths.parent(Paths.normalize(c.socket())).equals(dir));
    }

    /**
     * Directories inside the program's application trees that the image gives to the program's non-root user or to
     * the account it switches to: what the image's author made writable for it. An application tree owned by that
     * user as a whole says nothing about which parts it writes, and is left alone.
     */
    private List<PlaceDraft> ownedApplicationDirectories(ProgramsResult.Program program) {
        return owned.computeIfAbsent(program.name(), n -> findOwnedApplicationDirectories(program));
    }

    private List<PlaceDraft> findOwnedApplicationDirectories(ProgramsResult.Program program) {
        Identity source = sourceIdentity(program.launch());
        List<Identity> switchesTo = switchTargets(program.profile());
        Set<Integer> owners = new TreeSet<>();
        if (!source.isRoot()) {
            owners.add(source.uid());
        }
        switchesTo.stream().filter(i -> !i.isRoot()).forEach(i -> owners.add(i.uid()));
        if (owners.isEmpty()) {
            return List.of();
        }
        Set<String> roots = new LinkedHashSet<>();
        if (!Launch.isSystemDirectory(program.launch().workingDir())) {
            roots.add(program.launch().workingDir());
        }
        program.profile().carry().stream().filter(ProgramProfile.Carry::application)
                .forEach(c -> roots.add(Paths.normalize(c.path())));
        List<PlaceDraft> out = new ArrayList<>();
        for (String root : roots) {
            FileEntry top = resolveQuietly(root).orElse(null);
            if (top == null || !top.isDirectory() || owners.contains(top.uid())) {
                continue;
            }
            String prefix = top.path() + "/";
            List<FileEntry> found = new ArrayList<>();
            Map<String, Integer> filesIn = new java.util.HashMap<>();
            fs.entries().filter(e -> e.path().startsWith(prefix)).forEach(e -> {
                if (e.isDirectory() && owners.contains(e.uid())) {
                    found.add(e);
                } else if (e.isRegular()) {
                    filesIn.merge(Paths.parent(e.path()), 1, Integer::sum);
                }
            });
            found.sort(java.util.Comparator.comparing(FileEntry::path));
            List<FileEntry> dirs = found;
            if (dirs.size() > MAX_OWNED_PLACES) {
                ownedWarnings.computeIfAbsent(program.name(), k -> new ArrayList<>()).add(new PlanNote(root,
                        top.layerDigest(), dirs.size() + " directories under " + root + " belong to the program's user;"
                        + " only the first " + MAX_OWNED_PLACES + " become writable places"));
                dirs = dirs.subList(0, MAX_OWNED_PLACES);
            }
            for (FileEntry d : dirs) {
                int content = filesIn.getOrDefault(d.path(), 0);
                String path = root.equals(top.path()) ? d.path() : root + d.path().substring(top.path().length());
                out.add(new PlaceDraft(path, d.uid(), d.gid(), d.mode() & 07777, "the image gives " + path + " to uid "
                        + d.uid() + ", who runs the program" + (content == 0 ? ""
                        : " (a volume starts empty: the image's " + content + " files there are not on it)")));
            }
        }
        return out;
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

    /**
     * The accounts the program names, with the source's ids, to merge into the base's {@code /etc/passwd}: the user it
     * runs as, the users its profile switches to or looks up, and the identity the result runs it as.
     */
    private List<Account> accountsFor(Launch launch, ProgramProfile profile, Identity runAs) {
        Set<String> names = new LinkedHashSet<>();
        if (!launch.user().isEmpty()) {
            names.add(launch.user().split(":", 2)[0]);
        }
        profile.accounts().stream().filter(a -> !a.user().isEmpty()).forEach(a -> names.add(a.user()));
        if (!runAs.name().isEmpty() && runAs.uid() != NONROOT.uid()) {
            names.add(runAs.name());
        }
        List<Account> out = new ArrayList<>();
        Set<Integer> seen = new TreeSet<>();
        for (String n : names) {
            Optional<Passwd.User> u = passwd.user(n);
            if (u.isPresent() && seen.add(u.get().uid())) {
                Passwd.User x = u.get();
                String group = passwd.group(String.valueOf(x.gid())).map(Passwd.Group::name).orElse(String.valueOf(x.gid()));
                out.add(new Account(x.name(), x.uid(), group, x.gid(), x.home()));
            }
        }
        return out;
    }

    private void carryObject(String path, String why, Map<String, CarriedFile> files, List<PlanNote> blockers,
            Set<String> sonames) {
        FileEntry target = resolveQuietly(path).orElse(null);
        if (target == null) {
            return;  // the kind's own notes say what is missing
        }
        if (target.isRegular() && isElf.test(target)) {
            carryClosure(resolver.resolve(path), why, files, blockers, sonames);
        } else {
            carryPath(path, why, files);
        }
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

    /** Carries a directory and everything below it except the excluded subtrees (application files, document roots). */
    private void carryTree(String dir, String why, List<String> excluding, Map<String, CarriedFile> files) {
        FileEntry root = resolveQuietly(dir).orElse(null);
        if (root == null || !root.isDirectory()) {
            return;
        }
        if (!Paths.normalize(dir).equals(root.path())) {
            carryPath(dir, why, files);  // the links on the way
        }
        carryPath(root.path(), why, files);
        String prefix = root.path().equals("/") ? "/" : root.path() + "/";
        if (prefix.equals("/")) {
            return;
        }
        List<String> skipped = excluding.stream().map(x -> {
            String n = Paths.normalize(x);
            return n.startsWith(Paths.normalize(dir) + "/") ? root.path() + n.substring(Paths.normalize(dir).length()) : n;
        }).toList();
        fs.entries().filter(e -> e.path().startsWith(prefix))
                .filter(e -> skipped.stream().noneMatch(x -> e.path().equals(x) || e.path().startsWith(x + "/")))
                .forEach(e -> carryPath(e.path(), why, files));
    }

    /** Resolves inside the image; a symlink loop is simply not there. */
    private Optional<FileEntry> resolveQuietly(String path) {
        try {
            return fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }

    private boolean isScript(String path) {
        FileEntry e = resolveQuietly(path).orElse(null);
        if (e == null || !e.isRegular()) {
            return false;
        }
        try {
            byte[] head = fs.read(e, 2);
            return new String(head, StandardCharsets.ISO_8859_1).equals("#!");
        } catch (java.io.IOException | RuntimeException ex) {
            return false;
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
