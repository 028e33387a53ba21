package dev.distill.engine.structure;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.PathWalk;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.identity.Passwd;
import dev.distill.engine.plan.Account;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The suite Distill derives from a program's plan, for the image built from it: the entrypoint exists and its
 * user may execute it, the carried files are there with their type, mode and owner, no shell or package manager
 * is, and the configuration is the one the builder writes for the plan. Written with {@link StructureTestYaml}, users can read and
 * extend it.
 *
 * <p>Not every carried file gets a test: a document root of thousands of files would bury the ones that matter.
 * Files carried one by one (the loader closure, configuration, plugins) each get one; of a carried directory
 * tree only its root does, since the files below it were carried for the same reason and fail together. The
 * whole is capped at {@link #MAX_FILE_TESTS}, in plan order (where the program's loader closure comes first).
 *
 * @param suite the tests
 * @param leftOut how many carried files got no test of their own (tree members, or beyond the cap)
 */
public record DefaultSuite(StructureTestSuite suite, int leftOut) {

    /** At most this many tests of carried files. */
    public static final int MAX_FILE_TESTS = 200;

    /** Shells and package managers a distroless result must not have, by their usual paths. */
    public static final List<String> FORBIDDEN = List.of("/bin/sh", "/bin/bash", "/bin/busybox", "/usr/bin/apt",
            "/usr/bin/apt-get", "/usr/bin/dpkg", "/sbin/apk");

    public DefaultSuite {
        if (suite == null || leftOut < 0) {
            throw new IllegalArgumentException("a default suite needs its tests and a count >= 0, got " + leftOut);
        }
    }

    /** The suite for the image built from the plan, which runs as the plan's run-as identity. */
    public static DefaultSuite from(ProgramPlan plan) {
        return from(plan, plan.runAs().spec());
    }

    /**
     * The suite for the image built from {@code plan}, with the configuration the builder writes: the command's
     * first word as ENTRYPOINT and the rest as CMD, the plan's working directory and ports.
     *
     * @param user the User the result was built with (the builder's {@code uid:gid}, which may differ from the
     *     source's: a root program runs as an account or nonroot); "" when unknown
     */
    public static DefaultSuite from(ProgramPlan plan, String user) {
        String runAs = user == null ? "" : user.strip();
        Map<String, CarriedFile> carried = new HashMap<>();
        plan.files().forEach(f -> carried.putIfAbsent(f.path(), f));
        List<FileExistenceTest> files = new ArrayList<>();
        int leftOut = 0;

        if (!plan.command().isEmpty() && plan.command().get(0).startsWith("/")) {
            String program = Paths.normalize(plan.command().get(0));
            String real = realPath(program, carried).orElse(program);
            files.add(new FileExistenceTest("entrypoint " + program + " is executable by "
                    + (runAs.isEmpty() ? "root" : runAs), real, true, null, null, null,
                    executableBy(plan, runAs, carried.get(real))));
        }
        int fileTests = 0;
        // A carried directory that is also a writable place is written as the place (the owner the program writes
        // it as), and a volume is mounted over it: the place decides, not the source's directory.
        Set<String> places = new HashSet<>();
        plan.writablePlaces().forEach(w -> places.add(Paths.normalize(w.path())));
        for (CarriedFile f : plan.files()) {
            CarriedFile parent = carried.get(Paths.parent(f.path()));
            boolean treeMember = parent != null && parent.type() == FileType.DIRECTORY && parent.reason().equals(f.reason());
            boolean place = f.type() == FileType.DIRECTORY && places.contains(f.path());
            if (treeMember || place || fileTests >= MAX_FILE_TESTS || f.type() == FileType.HARDLINK) {
                leftOut++;
                continue;
            }
            fileTests++;
            files.add(new FileExistenceTest("carried " + f.path(), f.path(), true,
                    PermissionString.format(f.type(), plannedMode(f)), f.uid(), f.gid(), null));
        }
        // A program that is itself one of these (a busybox httpd, say) carries it by design; the static checks
        // judge whether that is acceptable, the suite must not contradict the plan.
        Set<String> ownExecutable = new HashSet<>();
        if (!plan.command().isEmpty() && plan.command().get(0).startsWith("/")) {
            String program = Paths.normalize(plan.command().get(0));
            ownExecutable.add(program);
            realPath(program, carried).ifPresent(ownExecutable::add);
        }
        for (String path : FORBIDDEN) {
            if (!ownExecutable.contains(path)) {
                files.add(FileExistenceTest.absent("no " + path, path));
            }
        }
        List<String> command = plan.command();
        MetadataTest metadata = new MetadataTest(null, null, null, plan.exposedPorts(), null,
                command.isEmpty() ? null : command.subList(0, 1), command.isEmpty() ? null : command.subList(1, command.size()),
                plan.workingDir(), null, null, runAs);
        return new DefaultSuite(new StructureTestSuite(StructureTestSuite.SCHEMA_VERSION, null, null, files, null,
                metadata), leftOut);
    }

    /**
     * Anything but a directory loses setuid and setgid in the result, as the builder writes it (the static checks
     * refuse them); a symlink's bits are always rwxrwxrwx; a directory keeps its mode, setgid included.
     */
    static int plannedMode(CarriedFile f) {
        return switch (f.type()) {
            case DIRECTORY -> f.mode() & 07777;
            case SYMLINK -> 0777;
            default -> f.mode() & 01777;
        };
    }

    /**
     * Which execute bit the user needs on the file: owner, group or other; any for root or when unknown. The user is
     * the result's {@code uid:gid} (the plan's run-as identity, which it is built with) or, when the caller names
     * another user, that one resolved against the plan's accounts.
     */
    static String executableBy(ProgramPlan plan, String user, CarriedFile file) {
        if (file == null || user.isEmpty()) {
            return "any";
        }
        Identity who;
        if (user.equals(plan.runAs().spec())) {
            who = plan.runAs();
        } else {
            try {
                who = Identity.resolve(user, accountsOf(plan));
            } catch (IllegalArgumentException e) {
                return "any";
            }
        }
        if (who.isRoot()) {
            return "any";
        }
        if (who.uid() == file.uid()) {
            return "owner";
        }
        return who.gids().contains(file.gid()) ? "group" : "other";
    }

    /** The plan's accounts as the result's {@code /etc/passwd} and {@code /etc/group} list them. */
    private static Passwd accountsOf(ProgramPlan plan) {
        List<Passwd.User> users = new ArrayList<>();
        List<Passwd.Group> groups = new ArrayList<>();
        for (Account a : plan.accounts()) {
            users.add(new Passwd.User(a.user(), a.uid(), a.gid(), a.home(), ""));
            groups.add(new Passwd.Group(a.group(), a.gid(), List.of()));
        }
        return new Passwd(users, groups);
    }

    /** Follows the carried links from {@code path} to the carried file holding its data. */
    static Optional<String> realPath(String path, Map<String, CarriedFile> carried) {
        Set<String> directories = new HashSet<>();
        for (String p : carried.keySet()) {
            for (String d = Paths.parent(p); !d.equals("/"); d = Paths.parent(d)) {
                directories.add(d);
            }
        }
        try {
            return PathWalk.trace(p -> {
                CarriedFile f = carried.get(p);
                if (f != null) {
                    return Optional.of(new FileEntry(f.path(), f.type(), f.mode(), f.uid(), f.gid(), f.size(),
                            f.linkTarget(), f.layerDigest(), 0));
                }
                // A parent directory the builder creates: only its being a directory matters here.
                return directories.contains(p) || p.equals("/")
                        ? Optional.of(new FileEntry(p, FileType.DIRECTORY, 0755, 0, 0, 0, null, null, 0)) : Optional.empty();
            }, path).target().map(FileEntry::path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }
}
