package dev.distill.engine.loader;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What one ELF program needs at load time.
 *
 * @param path the program's path in the image, as asked
 * @param loader which loader's rules applied
 * @param interpreter the program's PT_INTERP; for a library without one, the system loader assumed for it
 *     ({@code /lib64/ld-linux-x86-64.so.2}, {@code /lib/ld-musl-x86_64.so.1}, see the notes); null for a
 *     static program
 * @param needed the program's own DT_NEEDED, in order
 * @param resolved each of the program's DT_NEEDED names → the path the loader finds it under (for musl's libc,
 *     the interpreter), or null when unresolved; in DT_NEEDED order
 * @param libraries every object loaded besides the program and the interpreter, in load (breadth-first) order,
 *     and each name the loader satisfies itself (origin {@code LOADER_ITSELF}: musl's {@code libc.so})
 * @param closure every path the program needs in the image: the program, the interpreter, each library, and
 *     every symlink (and hard link) traversed to reach them: a distroless image must carry the links too; and
 *     {@code /etc/ld.so.cache} when only the cache leads to a library outside the default directories (musl:
 *     {@code /etc/ld-musl-<arch>.path} when only it leads to a directory outside {@code /lib:/usr/local/lib:/usr/lib})
 * @param unresolved every name (of the program or of a library) not resolved, with the reason
 * @param cacheSource where the glibc loader's last lookup comes from ({@code LD_SO_CACHE}, {@code LD_SO_CONF}
 *     when the image has no cache), null when not applicable or none
 * @param notes facts worth showing (cache missing, a broken cache, skipped candidates)
 */
public record ElfResolution(
        String path,
        LoaderKind loader,
        String interpreter,
        List<String> needed,
        Map<String, String> resolved,
        List<Library> libraries,
        SortedSet<String> closure,
        List<Unresolved> unresolved,
        LoaderSearchPath.Origin cacheSource,
        List<String> notes) {

    public ElfResolution {
        needed = List.copyOf(needed);
        resolved = Collections.unmodifiableMap(new LinkedHashMap<>(resolved));
        libraries = List.copyOf(libraries);
        closure = Collections.unmodifiableSortedSet(new TreeSet<>(closure));
        unresolved = List.copyOf(unresolved);
        notes = List.copyOf(notes);
    }

    /** Which loader's rules were applied. */
    public enum LoaderKind {
        /** glibc's ld-linux*.so* / ld64.so* / ld.so*. */
        GLIBC,
        /** musl's ld-musl-*.so.1. */
        MUSL,
        /** No PT_INTERP and no DT_NEEDED: nothing to load. */
        STATIC,
        /** PT_INTERP names something else, or a library of an unknown machine (glibc's rules applied). */
        UNKNOWN,
        /** The file could not be read as ELF. */
        NOT_ELF
    }

    /**
     * A loaded library.
     *
     * @param name the DT_NEEDED name that loaded it first
     * @param requestedBy the path of the object that needed it first
     * @param path the path it was found under
     * @param realPath the file after links
     * @param origin where it was found
     */
    public record Library(String name, String requestedBy, String path, String realPath,
            LoaderSearchPath.Origin origin) {
    }

    /**
     * A name that could not be resolved.
     *
     * @param name the DT_NEEDED name (or the interpreter path, or the program path)
     * @param requestedBy the object that needed it
     * @param reason why
     */
    public record Unresolved(String name, String requestedBy, String reason) {
    }

    /** Whether everything needed was found. */
    public boolean complete() {
        return unresolved.isEmpty();
    }
}
