package dev.distill.engine.verify;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the static checks of a built image over its merged filesystem (a {@code LayeredFileSystem} of the pushed
 * manifest, or an unpacked root) and its configuration. Nothing is executed; each check is independent of the
 * others' outcome, so one report lists every problem at once.
 */
public final class StaticChecker {

    /** Every ELF file resolves its interpreter and each DT_NEEDED inside the image. */
    public static final String ELF_DEPENDENCIES = "elf-dependencies";
    /** No shell (sh, bash, dash, ash, busybox, ...) on the executable paths. */
    public static final String NO_SHELL = "no-shell";
    /** No package manager (apt, dpkg, apk, ...) on the executable paths. */
    public static final String NO_PACKAGE_MANAGER = "no-package-manager";
    /** No setuid or setgid regular file anywhere. */
    public static final String NO_SETUID = "no-setuid";
    /** The configured user resolves and is not uid 0. */
    public static final String NON_ROOT_USER = "non-root-user";
    /** ENTRYPOINT + CMD names an executable ELF file or a script whose interpreter passes the same test. */
    public static final String ENTRYPOINT = "entrypoint";

    public StaticReport check(ImageFileSystem fs, ImageConfig config) {
        ImageConfig c = config == null ? ImageConfig.EMPTY : config;
        ImageFiles files = new ImageFiles(fs);
        List<StaticCheck> checks = new ArrayList<>();
        ElfCheck elf = new ElfCheck(files, EntrypointCheck.environment(c));
        checks.add(elf.run());
        checks.addAll(SurfaceChecks.run(files, c));
        ImageUser user = ImageUser.resolve(files, c.user());
        checks.add(userCheck(files, user));
        checks.add(new EntrypointCheck(files, c, user, elf).run());
        return new StaticReport(checks);
    }

    private static StaticCheck userCheck(ImageFiles files, ImageUser user) {
        List<CheckFinding> findings = new ArrayList<>(user.problems());
        if (user.isRoot()) {
            String how = user.spec().isEmpty() ? "the image sets no user, so it runs as root"
                    : "the user '" + user.spec() + "' is uid 0 (root)";
            // A name that maps to uid 0 is the passwd file's doing: point there.
            boolean byName = !user.spec().isEmpty() && !user.spec().split(":", 2)[0].matches("\\d+");
            findings.add(byName ? files.finding("/etc/passwd", "root", how)
                    : new CheckFinding("", "", "root", how));
        }
        return StaticCheck.of(NON_ROOT_USER, findings);
    }
}
