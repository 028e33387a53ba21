package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfClass;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.elf.ElfMachine;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * glibc's {@code ld.so} search for a DT_NEEDED name (glibc 2.36, {@code _dl_map_object}):
 * <ol>
 *   <li>a name containing '/' is a path and is not searched (a relative one depends on the working
 *       directory at run time: recorded as unresolvable);</li>
 *   <li>unless the requesting object has DT_RUNPATH: DT_RPATH of the requesting object, then of the object
 *       that loaded it, and so on up to the program (an object with DT_RUNPATH has its own DT_RPATH
 *       ignored);</li>
 *   <li>LD_LIBRARY_PATH (':' or ';' separated, from the image's environment);</li>
 *   <li>DT_RUNPATH of the requesting object only;</li>
 *   <li>{@code /etc/ld.so.cache} (for an object with DF_1_NODEFLIB, entries in the default directories are
 *       skipped); when the image has no cache,
 *       the directories of {@code /etc/ld.so.conf}, which is what an {@code ldconfig} run would put in it
 *       (the loader itself never reads that file: {@link #confFallback()} says whether it was used);</li>
 *   <li>the built-in system directories (skipped with DF_1_NODEFLIB). Debian and Ubuntu build glibc
 *       multiarch: {@code /lib/<triplet>}, {@code /usr/lib/<triplet>}, {@code /lib}, {@code /usr/lib} (as
 *       {@code ld.so --help} on Debian 12 prints: no {@code /lib64} there); an upstream build uses
 *       {@code /lib64}, {@code /usr/lib64} for 64-bit and {@code /lib}, {@code /usr/lib} for 32-bit. The
 *       multiarch list is used when the image has a {@code /lib/<triplet>} or {@code /usr/lib/<triplet>}
 *       directory.</li>
 * </ol>
 * In a path, {@code $ORIGIN}/{@code ${ORIGIN}} is the directory of the path the object was found under,
 * {@code $LIB} is {@code lib/<triplet>} (multiarch) or {@code lib64}/{@code lib}, {@code $PLATFORM} the
 * architecture name (glibc may use a CPU-specific name such as {@code haswell} at run time). A candidate
 * is checked in the order of glibc's {@code open_verify}: another ELF class or another machine is skipped;
 * a file too short, without ELF magic, of the other byte order, of another ELF version, not ET_DYN/ET_EXEC
 * or with a foreign program header size stops the search with that error, as in glibc.
 *
 * <p>Not modelled: the glibc-hwcaps and legacy hwcap subdirectories (CPU-dependent, tried before each
 * directory), dlopen, secure-mode (setuid) restrictions, LD_PRELOAD.
 */
public final class GlibcLoader {

    public static final String CACHE = "/etc/ld.so.cache";
    public static final String CONF = "/etc/ld.so.conf";

    private final ImageFileSystem fs;
    private final ElfObjects objects;
    private final ElfFile program;
    private final String programOrigin;
    private final List<String> ldLibraryPath;
    private final String triplet;
    private final boolean multiarch;
    private final LdSoCache cache;
    private final String cacheProblem;
    private final List<LdSoConf.Dir> conf;
    private final boolean useConfFallback;

    /**
     * @param fs the image
     * @param program the program's headers (class and machine every library must match)
     * @param programPath where the program is in the image ({@code $ORIGIN} in LD_LIBRARY_PATH)
     * @param env the image's environment (LD_LIBRARY_PATH is read from it), may be empty
     * @param confFallback whether to read {@code /etc/ld.so.conf} when the image has no cache
     */
    public GlibcLoader(ImageFileSystem fs, ElfFile program, String programPath, Map<String, String> env,
            boolean confFallback) {
        this(new ElfObjects(fs), program, programPath, env, confFallback);
    }

    /** As above, reading ELF files through {@code objects}, which remembers them across programs. */
    public GlibcLoader(ElfObjects objects, ElfFile program, String programPath, Map<String, String> env,
            boolean confFallback) {
        this.objects = objects;
        this.fs = objects.fs();
        this.program = program;
        int slash = programPath.lastIndexOf('/');
        this.programOrigin = slash <= 0 ? "/" : programPath.substring(0, slash);
        this.triplet = triplet(program);
        this.multiarch = triplet != null && (isDir("/lib/" + triplet) || isDir("/usr/lib/" + triplet));
        String llp = env == null ? null : env.get("LD_LIBRARY_PATH");
        List<String> dirs = new ArrayList<>();
        if (llp != null) {
            for (String d : llp.split("[:;]")) {
                if (!d.isEmpty()) {
                    dirs.add(d);
                }
            }
        }
        this.ldLibraryPath = List.copyOf(dirs);
        LdSoCache c = null;
        String problem = null;
        Optional<FileEntry> cacheFile = resolveQuietly(CACHE);
        if (cacheFile.isPresent() && cacheFile.get().isRegular()) {
            try {
                c = LdSoCache.parse(objects.read(cacheFile.get(), 64 << 20));
            } catch (IOException | IllegalArgumentException e) {
                problem = CACHE + " is unreadable: " + e.getMessage();
            }
        }
        this.cache = c;
        this.cacheProblem = problem;
        this.useConfFallback = confFallback && c == null
                && resolveQuietly(CONF).map(FileEntry::isRegular).orElse(false);
        this.conf = useConfFallback ? LdSoConf.read(fs, CONF) : List.of();
    }

    /**
     * Where names are looked up before the default directories: {@code /etc/ld.so.cache}, {@code /etc/ld.so.conf}
     * (no cache, fallback asked for and present), or nothing.
     */
    public Optional<LoaderSearchPath.Origin> cacheSource() {
        if (cache != null) {
            return Optional.of(LoaderSearchPath.Origin.LD_SO_CACHE);
        }
        return useConfFallback ? Optional.of(LoaderSearchPath.Origin.LD_SO_CONF) : Optional.empty();
    }

    /** Whether {@code /etc/ld.so.conf} stands in for a missing cache (asked for, and the image has one). */
    public boolean confFallback() {
        return useConfFallback;
    }

    /** Why the cache could not be used, if it exists but is broken. */
    public Optional<String> cacheProblem() {
        return Optional.ofNullable(cacheProblem);
    }

    /** The built-in system directories used for this image. */
    public List<String> defaultDirectories() {
        if (multiarch) {
            return List.of("/lib/" + triplet, "/usr/lib/" + triplet, "/lib", "/usr/lib");
        }
        return program.elfClass() == ElfClass.ELF64 ? List.of("/lib64", "/usr/lib64") : List.of("/lib", "/usr/lib");
    }

    /** The order glibc tries for a name DT_NEEDED by {@code requester} (the cache appears as one entry). */
    public LoaderSearchPath searchPath(LoadedObject requester) {
        List<LoaderSearchPath.Dir> dirs = new ArrayList<>();
        if (!requester.elf().hasRunpath()) {
            for (LoadedObject l = requester; l != null; l = l.loadedBy()) {
                LoadedObject object = l;
                if (!object.elf().hasRunpath()) {
                    for (String d : object.elf().rpath()) {
                        expand(d, object.origin()).ifPresent(x -> dirs.add(new LoaderSearchPath.Dir(x,
                                LoaderSearchPath.Origin.RPATH, object.path())));
                    }
                }
            }
        }
        for (String d : ldLibraryPath) {
            expand(d, programOrigin).ifPresent(x -> dirs.add(new LoaderSearchPath.Dir(x,
                    LoaderSearchPath.Origin.LD_LIBRARY_PATH, "LD_LIBRARY_PATH")));
        }
        for (String d : requester.elf().runpath()) {
            expand(d, requester.origin()).ifPresent(x -> dirs.add(new LoaderSearchPath.Dir(x,
                    LoaderSearchPath.Origin.RUNPATH, requester.path())));
        }
        // DF_1_NODEFLIB: cache entries in the default directories and the default directories are skipped.
        boolean nodeflib = requester.elf().noDefaultLib();
        if (cache != null) {
            dirs.add(new LoaderSearchPath.Dir(CACHE, LoaderSearchPath.Origin.LD_SO_CACHE, CACHE));
        } else {
            for (LdSoConf.Dir d : conf) {
                if (!nodeflib || !defaultDirectories().contains(d.directory())) {
                    dirs.add(new LoaderSearchPath.Dir(d.directory(), LoaderSearchPath.Origin.LD_SO_CONF, d.file()));
                }
            }
        }
        if (!nodeflib) {
            for (String d : defaultDirectories()) {
                dirs.add(new LoaderSearchPath.Dir(d, LoaderSearchPath.Origin.DEFAULT, null));
            }
        }
        return new LoaderSearchPath(dirs);
    }

    /** Looks {@code name} up for {@code requester} as glibc would. */
    public LibraryLookup lookup(String name, LoadedObject requester) {
        List<String> skipped = new ArrayList<>();
        if (name.contains("/")) {
            if (!name.startsWith("/")) {
                return LibraryLookup.notFound(name, "'" + name + "' is a relative path: it depends on the working"
                        + " directory at run time", skipped);
            }
            Candidate c = Candidate.probe(objects, expand(name, requester.origin()).orElse(name));
            return accept(name, c, LoaderSearchPath.Origin.PATH_NAME, skipped)
                    .orElseGet(() -> LibraryLookup.notFound(name, skipped.isEmpty()
                            ? name + " does not exist in the image" : String.join("; ", skipped), skipped));
        }
        for (LoaderSearchPath.Dir dir : searchPath(requester).dirs()) {
            if (dir.origin() == LoaderSearchPath.Origin.LD_SO_CACHE) {
                Optional<LdSoCache.Entry> e = cache.lookup(name, this::cacheFlagsOk);
                if (e.isEmpty() || requester.elf().noDefaultLib()
                        && defaultDirectories().contains(parentOf(e.get().path()))) {
                    continue;
                }
                Optional<LibraryLookup> r = accept(name, Candidate.probe(objects, e.get().path()), dir.origin(), skipped);
                if (r.isPresent()) {
                    return r.get();
                }
                continue;
            }
            if (!dir.directory().startsWith("/")) {
                skipped.add(dir.origin() + " directory '" + dir.directory() + "' is relative: not searched");
                continue;
            }
            // A file glibc cannot take (not ELF, wrong byte order...) stops the search with an error.
            Optional<LibraryLookup> r = accept(name, Candidate.probe(objects, join(dir.directory(), name)), dir.origin(),
                    skipped);
            if (r.isPresent()) {
                return r.get();
            }
        }
        return LibraryLookup.notFound(name, "not found in " + searchPath(requester).directories(), skipped);
    }

    /**
     * Empty when the candidate is missing or skipped (recorded in {@code skipped}); a not-found lookup with the
     * reason when glibc would stop with an error; else the library.
     */
    private Optional<LibraryLookup> accept(String name, Candidate c, LoaderSearchPath.Origin origin,
            List<String> skipped) {
        if (!c.exists()) {
            return Optional.empty();
        }
        Candidate.Verdict v = c.glibcVerdict(program);
        if (v.skip()) {
            skipped.add(v.reason());
            return Optional.empty();
        }
        if (!v.ok()) {
            return Optional.of(LibraryLookup.notFound(name, v.reason(), skipped));
        }
        return Optional.of(c.found(name, origin, skipped));
    }

    /** ldconfig's flags for the program's ABI ({@code _dl_cache_check_flags}). */
    boolean cacheFlagsOk(int flags) {
        if ((flags & 0xff) != 3) {
            return false; // not a libc6 ELF entry
        }
        int abi = flags & 0xff00;
        return switch (program.machine()) {
            case X86_64 -> abi == 0x0300;
            case AARCH64 -> abi == 0x0a00;
            case I386 -> abi == 0;
            case ARM -> abi == 0x0900 || abi == 0;
            case PPC64 -> abi == 0x0500;
            case S390 -> program.elfClass() == ElfClass.ELF64 ? abi == 0x0600 : abi == 0;
            case RISCV -> abi == 0x1000 || abi == 0x0f00;
            default -> true;
        };
    }

    /**
     * Expands {@code $ORIGIN}, {@code $LIB} and {@code $PLATFORM} (bare or in braces); empty when another
     * {@code $} token makes glibc drop the element.
     */
    Optional<String> expand(String path, String origin) {
        if (path.indexOf('$') < 0) {
            return Optional.of(path);
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char ch = path.charAt(i);
            if (ch != '$') {
                out.append(ch);
                continue;
            }
            String rest = path.substring(i + 1);
            String token = null;
            int len = 0;
            for (String t : new String[] {"ORIGIN", "PLATFORM", "LIB"}) {
                if (rest.startsWith("{" + t + "}")) {
                    token = t;
                    len = t.length() + 2;
                    break;
                }
                if (rest.startsWith(t) && (rest.length() == t.length()
                        || !isNameChar(rest.charAt(t.length())))) {
                    token = t;
                    len = t.length();
                    break;
                }
            }
            if (token == null) {
                return Optional.empty();
            }
            out.append(switch (token) {
                case "ORIGIN" -> origin;
                case "LIB" -> multiarch ? "lib/" + triplet : program.elfClass() == ElfClass.ELF64 ? "lib64" : "lib";
                default -> program.machine().archName();
            });
            i += len;
        }
        return Optional.of(out.toString());
    }

    private static String parentOf(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    /** glibc's candidate path: the directory without trailing slashes, '/', the name; nothing normalised. */
    static String join(String directory, String name) {
        int end = directory.length();
        while (end > 1 && directory.charAt(end - 1) == '/') {
            end--;
        }
        String d = directory.substring(0, end);
        return d.endsWith("/") ? d + name : d + "/" + name;
    }

    private static boolean isNameChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private boolean isDir(String path) {
        return resolveQuietly(path).map(FileEntry::isDirectory).orElse(false);
    }

    private Optional<FileEntry> resolveQuietly(String path) {
        try {
            return fs.resolve(path);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            return Optional.empty();
        }
    }

    /** Debian's multiarch triplet for the program's ABI, or null. */
    static String triplet(ElfFile program) {
        ElfMachine m = program.machine();
        boolean is64 = program.elfClass() == ElfClass.ELF64;
        return switch (m) {
            case X86_64 -> is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32";
            case AARCH64 -> "aarch64-linux-gnu";
            case I386 -> "i386-linux-gnu";
            case ARM -> "arm-linux-gnueabihf";
            case PPC64 -> "powerpc64le-linux-gnu";
            case S390 -> "s390x-linux-gnu";
            case RISCV -> "riscv64-linux-gnu";
            case MIPS -> "mipsel-linux-gnu";
            default -> null;
        };
    }
}
