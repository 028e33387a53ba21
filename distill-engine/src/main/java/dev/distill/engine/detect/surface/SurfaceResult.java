package dev.distill.engine.detect.surface;

import java.util.List;

/**
 * What the image carries beyond what its programs need.
 *
 * @param items tools found on the executable paths, and setuid/setgid files
 */
public record SurfaceResult(Os os, Libc libc, Packages packages, List<Item> items) {

    public SurfaceResult {
        items = List.copyOf(items);
    }

    public List<Item> items(Category category) {
        return items.stream().filter(i -> i.category() == category).toList();
    }

    public enum Category { SHELL, PACKAGE_MANAGER, COMPILER, INTERPRETER, NETWORK_TOOL, SETUID, SETGID }

    /**
     * One tool or privileged file.
     *
     * @param path where it is (a symlink such as a busybox applet counts)
     * @param target for a symlink the file it resolves to, else {@code path}
     */
    public record Item(Category category, String name, String path, String target, String layer, int mode) {
    }

    /**
     * The OS as {@code os-release} says.
     *
     * @param source the file read, {@code ""} when there is none
     */
    public record Os(String id, String versionId, String prettyName, String source) {
        public static final Os UNKNOWN = new Os("", "", "", "");
    }

    public enum LibcKind { MUSL, GLIBC, BOTH, NONE }

    /** The C library, from the dynamic loaders present. */
    public record Libc(LibcKind kind, List<String> loaders) {
        public Libc {
            loaders = List.copyOf(loaders);
        }
    }

    /**
     * Installed package counts, -1 when that database is absent.
     *
     * @param dpkgSources the dpkg files read ({@code /var/lib/dpkg/status}, {@code status.d/*})
     */
    public record Packages(int apk, int dpkg, List<String> dpkgSources, List<String> names) {
        public Packages {
            dpkgSources = List.copyOf(dpkgSources);
            names = List.copyOf(names);
        }
    }
}
