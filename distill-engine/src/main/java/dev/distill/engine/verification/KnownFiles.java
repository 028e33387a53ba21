package dev.distill.engine.verification;

import dev.distill.engine.fs.Paths;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Files a source program uses that a result does without, or gets from its runtime, and why: the knowledge that
 * keeps a repair from carrying the loader's cache, the source's time zone or what Kubernetes mounts anyway. Each
 * entry is a path (or a tree) with its classification and reason; {@link #match} is the only code that reads them.
 */
final class KnownFiles {

    /** Whether an entry names one path or everything under a directory. */
    enum Scope { FILE, TREE }

    /**
     * @param path absolute and normalised
     * @param need what a candidate at (or under) the path is: never {@link Verification.Need#NEEDED}
     */
    record Known(String path, Scope scope, Verification.Need need, String reason) {

        Known {
            Objects.requireNonNull(scope, "scope");
            if (path == null || !path.equals(Paths.normalize(path))) {
                throw new IllegalArgumentException("a known file needs a normalised absolute path, got " + path);
            }
            if (need == null || need == Verification.Need.NEEDED || reason == null || reason.isBlank()) {
                throw new IllegalArgumentException("a known file is one a result does without, with why: " + path);
            }
        }

        boolean covers(String candidate) {
            return scope == Scope.FILE ? candidate.equals(path) : within(candidate, path);
        }
    }

    private static final Verification.Need HARMLESS = Verification.Need.HARMLESS;
    private static final Verification.Need RUNTIME = Verification.Need.PROVIDED_AT_RUN_TIME;

    static final List<Known> DEFAULTS = List.of(
            // glibc's loader
            new Known("/etc/ld.so.cache", Scope.FILE, HARMLESS, "glibc's loader cache: without it the loader searches its"
                    + " default directories, where the result's libraries are; the source's cache names the source's"
                    + " libraries"),
            new Known("/etc/ld.so.preload", Scope.FILE, HARMLESS, "checked by glibc's loader in every program; without it"
                    + " nothing is preloaded"),
            // time zone
            new Known("/etc/localtime", Scope.FILE, HARMLESS, "the local time zone: without it programs use UTC (set TZ"
                    + " in the wiring to keep another zone)"),
            new Known("/etc/timezone", Scope.FILE, HARMLESS, "Debian's name of the local time zone, for tools that"
                    + " configure it"),
            // resolver and accounts tuning with built-in defaults
            new Known("/etc/host.conf", Scope.FILE, HARMLESS, "resolver options with built-in defaults"),
            new Known("/etc/gai.conf", Scope.FILE, HARMLESS, "address sorting for getaddrinfo, with built-in defaults"),
            new Known("/etc/shadow", Scope.FILE, HARMLESS, "password hashes: a result never carries them; account lookups"
                    + " read /etc/passwd"),
            new Known("/etc/gshadow", Scope.FILE, HARMLESS, "group password hashes: a result never carries them"),
            // what the container runtime provides
            new Known("/etc/hosts", Scope.FILE, RUNTIME, "the container runtime mounts it (Docker, Kubernetes)"),
            new Known("/etc/hostname", Scope.FILE, RUNTIME, "the container runtime mounts it (Docker, Kubernetes)"),
            new Known("/etc/resolv.conf", Scope.FILE, RUNTIME, "the container runtime mounts it (Docker, Kubernetes)"),
            new Known("/etc/mtab", Scope.FILE, RUNTIME, "a view of the mounts, /proc/self/mounts at run time"),
            new Known("/proc", Scope.TREE, RUNTIME, "the kernel's process file system, mounted by the runtime"),
            new Known("/sys", Scope.TREE, RUNTIME, "the kernel's sysfs, mounted by the runtime"),
            new Known("/dev", Scope.TREE, RUNTIME, "devices, mounted by the runtime"),
            new Known("/tmp", Scope.TREE, RUNTIME, "a tmpfs in the result's container: a file carried there would be"
                    + " hidden"),
            new Known("/run", Scope.TREE, RUNTIME, "a tmpfs in the result's container: a file carried there would be"
                    + " hidden"));

    private final List<Known> known;

    KnownFiles(List<Known> known) {
        this.known = List.copyOf(known);
    }

    static KnownFiles defaults() {
        return new KnownFiles(DEFAULTS);
    }

    /** Whether a normalised path is the directory or inside it, component by component. */
    static boolean within(String path, String directory) {
        for (String p = path; ; p = Paths.parent(p)) {
            if (p.equals(directory)) {
                return true;
            }
            if (p.equals("/")) {
                return false;
            }
        }
    }

    /** The first entry that covers the path. */
    Optional<Known> match(String path) {
        return known.stream().filter(k -> k.covers(path)).findFirst();
    }
}
