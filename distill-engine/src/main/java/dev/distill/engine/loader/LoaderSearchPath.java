package dev.distill.engine.loader;

import java.util.List;

/**
 * The ordered places a loader looks in for one name, each with where it came from.
 *
 * @param dirs in search order
 */
public record LoaderSearchPath(List<Dir> dirs) {

    public LoaderSearchPath {
        dirs = List.copyOf(dirs);
    }

    /** Where a search directory (or lookup table) comes from. */
    public enum Origin {
        /** DT_RPATH of the requesting object or of an object up its chain of loaders. */
        RPATH,
        /** The LD_LIBRARY_PATH of the image's environment. */
        LD_LIBRARY_PATH,
        /** DT_RUNPATH of the requesting object. */
        RUNPATH,
        /** {@code /etc/ld.so.cache}: a table, not a directory ({@link Dir#directory()} names the file). */
        LD_SO_CACHE,
        /** {@code /etc/ld.so.conf} read because the image has no cache (what ldconfig would put in one). */
        LD_SO_CONF,
        /** glibc's built-in system directories. */
        DEFAULT,
        /** musl's {@code /etc/ld-musl-<arch>.path}. */
        MUSL_PATH_FILE,
        /** musl's built-in {@code /lib:/usr/local/lib:/usr/lib}. */
        MUSL_DEFAULT,
        /** The name is satisfied by the loader itself (musl's libc, glibc's ld.so by SONAME). */
        LOADER_ITSELF,
        /** The name contains a '/': it is a path, not searched. */
        PATH_NAME
    }

    /**
     * @param directory an absolute directory inside the image (or the cache file for {@link Origin#LD_SO_CACHE})
     * @param origin where it comes from
     * @param declaredBy the object whose DT_RPATH/DT_RUNPATH named it, or the configuration file; null for
     *     built-in defaults
     */
    public record Dir(String directory, Origin origin, String declaredBy) {
    }

    public List<String> directories() {
        return dirs.stream().map(Dir::directory).toList();
    }
}
