package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * musl's loader ({@code ldso/dynlink.c}, 1.2): the loader is libc itself, at {@code /lib/ld-musl-<arch>.so.1}.
 * For a DT_NEEDED name:
 * <ol>
 *   <li>{@code libc.*}, {@code libpthread.*}, {@code librt.*}, {@code libm.*}, {@code libdl.*},
 *       {@code libutil.*} and {@code libxnet.*} are the loader itself (so {@code libc.so} and Alpine's
 *       {@code libc.musl-x86_64.so.1} need no file);</li>
 *   <li>a name containing '/' is a path;</li>
 *   <li>LD_LIBRARY_PATH, then the DT_RUNPATH (or, without it, DT_RPATH: musl treats them alike) of the
 *       requesting object and of every object up its chain of loaders, with {@code $ORIGIN} /
 *       {@code ${ORIGIN}} expanded (no other tokens);</li>
 *   <li>the lines or ':'-separated elements of {@code /etc/ld-musl-<arch>.path}, or when that file does not
 *       exist {@code /lib:/usr/local/lib:/usr/lib}.</li>
 * </ol>
 * musl takes the first file that opens and does not skip a wrong-class or non-ELF one: loading then fails,
 * which is recorded as unresolved.
 */
public final class MuslLoader {

    static final List<String> DEFAULT_PATH = List.of("/lib", "/usr/local/lib", "/usr/lib");
    private static final String[] RESERVED = {"c", "pthread", "rt", "m", "dl", "util", "xnet"};

    private final ImageFileSystem fs;
    private final ElfObjects objects;
    private final ElfFile program;
    private final String interpreter;
    private final List<String> ldLibraryPath;
    private final List<LoaderSearchPath.Dir> system;

    /**
     * @param fs the image
     * @param program the program's headers
     * @param interpreter the program's PT_INTERP ({@code /lib/ld-musl-x86_64.so.1})
     * @param env the image's environment (LD_LIBRARY_PATH), may be empty
     */
    public MuslLoader(ImageFileSystem fs, ElfFile program, String interpreter, Map<String, String> env) {
        this(new ElfObjects(fs), program, interpreter, env);
    }

    /** As above, reading ELF files through {@code objects}, which remembers them across programs. */
    public MuslLoader(ElfObjects objects, ElfFile program, String interpreter, Map<String, String> env) {
        this.objects = objects;
        this.fs = objects.fs();
        this.program = program;
        this.interpreter = interpreter;
        String llp = env == null ? null : env.get("LD_LIBRARY_PATH");
        this.ldLibraryPath = llp == null ? List.of() : split(llp);
        this.system = systemPath();
    }

    /** {@code ld-musl-x86_64.so.1} → {@code x86_64}. */
    public static Optional<String> arch(String interpreter) {
        String n = Paths.name(Paths.normalize(interpreter));
        if (n.startsWith("ld-musl-") && n.endsWith(".so.1")) {
            return Optional.of(n.substring("ld-musl-".length(), n.length() - ".so.1".length()));
        }
        return Optional.empty();
    }

    /** The path file for this interpreter's architecture. */
    public String pathFile() {
        return "/etc/ld-musl-" + arch(interpreter).orElse(program.machine().archName()) + ".path";
    }

    /** Whether musl itself provides {@code name}. */
    public static boolean providedByLoader(String name) {
        if (!name.startsWith("lib") || name.contains("/")) {
            return false;
        }
        for (String r : RESERVED) {
            if (name.startsWith("lib" + r + ".")) {
                return true;
            }
        }
        return false;
    }

    public LoaderSearchPath searchPath(LoadedObject requester) {
        List<LoaderSearchPath.Dir> dirs = new ArrayList<>();
        for (String d : ldLibraryPath) {
            dirs.add(new LoaderSearchPath.Dir(d, LoaderSearchPath.Origin.LD_LIBRARY_PATH, "LD_LIBRARY_PATH"));
        }
        for (LoadedObject l = requester; l != null; l = l.loadedBy()) {
            boolean runpath = l.elf().hasRunpath();
            List<String> path = runpath ? l.elf().runpath() : l.elf().rpath();
            for (String d : path) {
                dirs.add(new LoaderSearchPath.Dir(expand(d, l.origin()), runpath ? LoaderSearchPath.Origin.RUNPATH
                        : LoaderSearchPath.Origin.RPATH, l.path()));
            }
        }
        dirs.addAll(system);
        return new LoaderSearchPath(dirs);
    }

    public LibraryLookup lookup(String name, LoadedObject requester) {
        if (providedByLoader(name)) {
            return new LibraryLookup(name, interpreter, null, null, List.of(), LoaderSearchPath.Origin.LOADER_ITSELF,
                    null, List.of());
        }
        if (name.contains("/")) {
            if (!name.startsWith("/")) {
                return LibraryLookup.notFound(name, "'" + name + "' is a relative path: it depends on the working"
                        + " directory at run time", List.of());
            }
            return take(name, Candidate.probe(objects, name), LoaderSearchPath.Origin.PATH_NAME)
                    .orElseGet(() -> LibraryLookup.notFound(name, name + " does not exist in the image", List.of()));
        }
        LoaderSearchPath path = searchPath(requester);
        for (LoaderSearchPath.Dir dir : path.dirs()) {
            if (!dir.directory().startsWith("/")) {
                continue; // relative to the working directory at run time: not followed here
            }
            Optional<LibraryLookup> r = take(name, Candidate.probe(objects, dir.directory() + "/" + name), dir.origin());
            if (r.isPresent()) {
                return r.get();
            }
        }
        return LibraryLookup.notFound(name, "not found in " + path.directories(), List.of());
    }

    private Optional<LibraryLookup> take(String name, Candidate c, LoaderSearchPath.Origin origin) {
        if (!c.exists()) {
            return Optional.empty();
        }
        if (!c.isElf()) {
            return Optional.of(LibraryLookup.notFound(name, c.problem() + " (musl does not skip it)", List.of()));
        }
        if (!c.compatibleWith(program)) {
            return Optional.of(LibraryLookup.notFound(name, c.mismatch(program) + " (musl does not skip it)",
                    List.of()));
        }
        return Optional.of(c.found(name, origin, List.of()));
    }

    private List<LoaderSearchPath.Dir> systemPath() {
        String file = pathFile();
        Optional<FileEntry> f;
        try {
            f = fs.resolve(file);
        } catch (ImageFileSystem.SymlinkLoopException e) {
            f = Optional.empty();
        }
        List<LoaderSearchPath.Dir> dirs = new ArrayList<>();
        if (f.isPresent() && f.get().isRegular()) {
            try {
                for (String d : split(new String(objects.read(f.get(), 1 << 20), StandardCharsets.UTF_8))) {
                    dirs.add(new LoaderSearchPath.Dir(d, LoaderSearchPath.Origin.MUSL_PATH_FILE, file));
                }
                return dirs;
            } catch (IOException e) {
                return dirs; // musl uses an empty path when the file exists but cannot be read
            }
        }
        for (String d : DEFAULT_PATH) {
            dirs.add(new LoaderSearchPath.Dir(d, LoaderSearchPath.Origin.MUSL_DEFAULT, null));
        }
        return dirs;
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String d : path.split("[:\n]")) {
            if (!d.isEmpty()) {
                out.add(d);
            }
        }
        return out;
    }

    static String expand(String path, String origin) {
        return path.replace("${ORIGIN}", origin).replace("$ORIGIN", origin);
    }
}
