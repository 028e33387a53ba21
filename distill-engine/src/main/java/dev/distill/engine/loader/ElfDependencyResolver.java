package dev.distill.engine.loader;

import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.elf.ElfObjects;
import dev.distill.engine.elf.ElfFormatException;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.Paths;
import dev.distill.engine.fs.PathWalk;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Resolves what an ELF program loads, as its own loader would: picks glibc's or musl's rules from PT_INTERP,
 * finds the interpreter in the image, then every DT_NEEDED breadth-first (the order both loaders use), each
 * object once (by the names it was loaded under, its SONAME for glibc, and its file), with glibc's RPATH
 * inheritance along the chain of loaders. A failure on one file is recorded in the result, never thrown.
 */
public final class ElfDependencyResolver {

    /** No real program loads this many objects; a hostile image could try. */
    public static final int MAX_OBJECTS = 4096;

    private final ImageFileSystem fs;
    private final ElfObjects objects;
    private final Map<String, String> env;
    private final boolean confFallback;

    /** With an empty environment and the {@code ld.so.conf} fallback for images without a cache. */
    public ElfDependencyResolver(ImageFileSystem fs) {
        this(fs, Map.of(), true);
    }

    /**
     * @param env the image's environment (LD_LIBRARY_PATH)
     * @param confFallback read {@code /etc/ld.so.conf} when an image has no {@code /etc/ld.so.cache}
     */
    public ElfDependencyResolver(ImageFileSystem fs, Map<String, String> env, boolean confFallback) {
        this(new ElfObjects(fs), env, confFallback);
    }

    /**
     * Reads ELF files through {@code objects}: resolving many programs of one image then parses each library
     * once, and {@link ElfObjects#prefetch} can read them all in one pass over the layers first.
     */
    public ElfDependencyResolver(ElfObjects objects, Map<String, String> env, boolean confFallback) {
        this.objects = objects;
        this.fs = objects.fs();
        this.env = Map.copyOf(env);
        this.confFallback = confFallback;
    }

    /** The loader a PT_INTERP path belongs to. */
    public static ElfResolution.LoaderKind loaderFor(String interpreter) {
        String n = Paths.name(Paths.normalize(interpreter));
        if (n.startsWith("ld-musl-")) {
            return ElfResolution.LoaderKind.MUSL;
        }
        if (n.startsWith("ld-linux") || n.startsWith("ld64.so") || n.startsWith("ld.so")) {
            return ElfResolution.LoaderKind.GLIBC;
        }
        return ElfResolution.LoaderKind.UNKNOWN;
    }

    /** The loader a program of this machine gets by default (the PT_INTERP its toolchain writes). */
    public static Optional<String> systemLoader(ElfResolution.LoaderKind kind, ElfFile elf) {
        boolean is64 = elf.elfClass() == dev.distill.engine.elf.ElfClass.ELF64;
        if (kind == ElfResolution.LoaderKind.MUSL) {
            String arch = switch (elf.machine()) {
                case X86_64 -> "x86_64";
                case AARCH64 -> "aarch64";
                case I386 -> "i386";
                case ARM -> "armhf";
                case PPC64 -> "powerpc64le";
                case S390 -> "s390x";
                case RISCV -> "riscv64";
                default -> null;
            };
            return Optional.ofNullable(arch).map(a -> "/lib/ld-musl-" + a + ".so.1");
        }
        return Optional.ofNullable(switch (elf.machine()) {
            case X86_64 -> is64 ? "/lib64/ld-linux-x86-64.so.2" : "/libx32/ld-linux-x32.so.2";
            case AARCH64 -> "/lib/ld-linux-aarch64.so.1";
            case I386 -> "/lib/ld-linux.so.2";
            case ARM -> "/lib/ld-linux-armhf.so.3";
            case PPC64 -> "/lib64/ld64.so.2";
            case S390 -> is64 ? "/lib/ld64.so.1" : "/lib/ld.so.1";
            case RISCV -> "/lib/ld-linux-riscv64-lp64d.so.1";
            default -> null;
        });
    }

    public ElfResolution resolve(String programPath) {
        return resolve(programPath, List.of());
    }

    /**
     * Resolves an object loaded into a process that already holds {@code preloaded}: objects an earlier
     * {@code dlopen} brought in (with everything they need). The loader matches a DT_NEEDED name against the SONAMEs
     * of objects already loaded before it searches, so a library may need one that is not on its search path: a
     * JVM's {@code libjava.so} needs {@code libjvm.so}, which the launcher loaded first from {@code lib/server}.
     *
     * @param preloaded absolute paths of the objects loaded before, in load order
     */
    public ElfResolution resolve(String path, List<String> preloaded) {
        Run run = new Run(Paths.normalize(path), preloaded.stream().map(Paths::normalize).toList());
        return run.resolve();
    }

    private interface Lookup {
        LibraryLookup lookup(String name, LoadedObject requester);
    }

    private final class Run {
        final String path;
        final List<String> preloaded;
        final SortedSet<String> closure = new TreeSet<>();
        final List<ElfResolution.Unresolved> unresolved = new ArrayList<>();
        final List<ElfResolution.Library> libraries = new ArrayList<>();
        final List<String> notes = new ArrayList<>();
        final Map<String, String> resolved = new LinkedHashMap<>();
        /** Every name an object answers to (glibc: names loaded under, path, SONAME; musl: short names). */
        final Map<String, LoadedObject> byName = new HashMap<>();
        final Map<String, LoadedObject> byFile = new HashMap<>();
        /** Names already reported missing: like glibc's trace mode, each is reported once. */
        final Map<String, String> failed = new HashMap<>();
        /** Names the loader satisfies itself (musl's libc), reported once. */
        final Map<String, String> self = new HashMap<>();
        GlibcLoader glibc;
        MuslLoader musl;
        ElfResolution.LoaderKind kind = ElfResolution.LoaderKind.NOT_ELF;
        String interpreter;
        List<String> needed = List.of();
        LoaderSearchPath.Origin cacheSource;

        Run(String path, List<String> preloaded) {
            this.path = path;
            this.preloaded = preloaded;
        }

        ElfResolution resolve() {
            try {
                run();
            } catch (RuntimeException e) {
                // Whatever went wrong with this program stays with it.
                unresolved.add(new ElfResolution.Unresolved(path, null, "resolution failed: " + e));
            }
            return new ElfResolution(path, kind, interpreter, needed, resolved, libraries, closure, unresolved,
                    cacheSource, notes);
        }

        private void run() {
            Optional<Loaded> root = load(path, null, null);
            if (root.isEmpty()) {
                return;
            }
            ElfFile elf = root.get().object().elf();
            needed = elf.needed();
            for (String n : needed) {
                resolved.put(n, null);
            }
            if (elf.interpreter().isEmpty()) {
                if (elf.needed().isEmpty()) {
                    kind = ElfResolution.LoaderKind.STATIC;
                    return;
                }
                // A library (or a plugin): whatever program loads it brings the system's loader.
                kind = elf.needed().stream().anyMatch(n -> n.equals("libc.so") || n.startsWith("libc.musl-"))
                        ? ElfResolution.LoaderKind.MUSL : ElfResolution.LoaderKind.GLIBC;
                interpreter = systemLoader(kind, elf).orElse(null);
                if (interpreter == null) {
                    kind = ElfResolution.LoaderKind.UNKNOWN;
                    notes.add(path + " has DT_NEEDED but no PT_INTERP, and no known loader for " + elf.machine()
                            + ": glibc's rules applied without an interpreter");
                } else {
                    notes.add(path + " has no PT_INTERP: resolved as loaded by the system's " + kind
                            + " loader " + interpreter);
                }
            } else {
                interpreter = elf.interpreter().get();
                kind = loaderFor(interpreter);
                if (kind == ElfResolution.LoaderKind.UNKNOWN) {
                    notes.add("unknown program interpreter " + interpreter + ": glibc's rules applied");
                }
            }
            // $ORIGIN of the program is its real directory: the kernel gives the loader /proc/self/exe.
            LoadedObject program = new LoadedObject(root.get().object().realPath(), root.get().object().realPath(), elf,
                    null);
            Lookup loader;
            if (kind == ElfResolution.LoaderKind.MUSL) {
                musl = new MuslLoader(objects, elf, interpreter, env);
                loader = musl::lookup;
            } else {
                glibc = new GlibcLoader(objects, elf, program.path(), env, confFallback);
                cacheSource = glibc.cacheSource().orElse(null);
                glibc.cacheProblem().ifPresent(notes::add);
                if (glibc.confFallback()) {
                    notes.add("no " + GlibcLoader.CACHE + ": used the directories of " + GlibcLoader.CONF
                            + ", which only ldconfig reads; the loader itself would search only "
                            + glibc.defaultDirectories());
                } else if (glibc.cacheSource().isEmpty()) {
                    notes.add("no " + GlibcLoader.CACHE + (confFallback ? " and no " + GlibcLoader.CONF : "")
                            + ": only the default directories " + glibc.defaultDirectories());
                }
                loader = glibc::lookup;
            }
            register(program, null);
            if (interpreter != null) {
                if (!interpreter.startsWith("/")) {
                    unresolved.add(new ElfResolution.Unresolved(interpreter, path,
                            "the program interpreter is a relative path"));
                } else {
                    Optional<Loaded> interp = load(interpreter, null, program);
                    interp.ifPresent(l -> {
                        register(l.object(), interpreter);
                        if (!l.object().elf().elfClass().equals(elf.elfClass())
                                || l.object().elf().machineCode() != elf.machineCode()) {
                            unresolved.add(new ElfResolution.Unresolved(interpreter, path,
                                    "the interpreter is " + l.object().elf().machine() + " " + l.object().elf().elfClass()
                                            + ", the program " + elf.machine() + " " + elf.elfClass()));
                        }
                    });
                }
            }
            Deque<LoadedObject> queue = new ArrayDeque<>();
            queue.add(program);
            for (String before : preloaded) {
                // Loaded earlier by dlopen: its SONAME answers this object's DT_NEEDED, and what it needs is loaded too.
                load(before, null, program).ifPresent(l -> {
                    register(l.object(), null);
                    queue.add(l.object());
                    notes.add(before + " was loaded before " + path + " (by its host's dlopen)");
                });
            }
            int objects = 0;
            while (!queue.isEmpty()) {
                LoadedObject obj = queue.poll();
                for (String name : obj.elf().needed()) {
                    String found = need(name, obj, loader, queue);
                    if (obj == program) {
                        resolved.put(name, found);
                    }
                }
                if (++objects > MAX_OBJECTS) {
                    unresolved.add(new ElfResolution.Unresolved(path, null, "more than " + MAX_OBJECTS + " objects"));
                    return;
                }
            }
        }

        /** @return the path {@code name} resolves to, null when it does not */
        private String need(String name, LoadedObject requester, Lookup loader, Deque<LoadedObject> queue) {
            LoadedObject already = byName.get(name);
            if (already != null) {
                return already.path();
            }
            if (self.containsKey(name)) {
                return self.get(name);
            }
            if (failed.containsKey(name)) {
                return null;
            }
            LibraryLookup l = loader.lookup(name, requester);
            for (String skipped : l.skipped()) {
                notes.add(name + ": passed over " + skipped);
            }
            if (!l.found()) {
                failed.put(name, l.reason());
                unresolved.add(new ElfResolution.Unresolved(name, requester.path(), l.reason()));
                return null;
            }
            if (l.origin() == LoaderSearchPath.Origin.LOADER_ITSELF) {
                self.put(name, l.path());
                String real = byName.containsKey(l.path()) ? byName.get(l.path()).realPath() : null;
                libraries.add(new ElfResolution.Library(name, requester.path(), l.path(), real, l.origin()));
                return l.path();
            }
            l.links().forEach(e -> closure.add(e.path()));
            closure.add(l.realPath());
            if (l.origin() == LoaderSearchPath.Origin.LD_SO_CACHE && glibc != null
                    && !glibc.defaultDirectories().contains(Paths.parent(l.path()))) {
                // Only the cache knows this directory: the image must keep it (or an equivalent one).
                traceInto(GlibcLoader.CACHE);
            }
            if (l.origin() == LoaderSearchPath.Origin.MUSL_PATH_FILE && musl != null
                    && !MuslLoader.DEFAULT_PATH.contains(Paths.parent(Paths.normalize(l.path())))) {
                // The same for musl: without its path file it searches only /lib:/usr/local/lib:/usr/lib.
                traceInto(musl.pathFile());
            }
            LoadedObject same = byFile.get(l.realPath());
            if (same != null) {
                byName.put(name, same);
                return same.path();
            }
            LoadedObject obj = new LoadedObject(l.path(), l.realPath(), l.elf(), requester);
            register(obj, name);
            libraries.add(new ElfResolution.Library(name, requester.path(), l.path(), l.realPath(), l.origin()));
            queue.add(obj);
            if (byFile.size() > MAX_OBJECTS) {
                throw new IllegalStateException("more than " + MAX_OBJECTS + " objects");
            }
            return l.path();
        }

        private void traceInto(String p) {
            if (closure.contains(p)) {
                return;
            }
            PathWalk.Trace t;
            try {
                t = PathWalk.trace(fs, p);
            } catch (ImageFileSystem.SymlinkLoopException e) {
                notes.add(e.getMessage());
                return;
            }
            t.links().forEach(e -> closure.add(e.path()));
            t.target().ifPresent(e -> closure.add(e.path()));
        }

        private void register(LoadedObject obj, String name) {
            byFile.putIfAbsent(obj.realPath(), obj);
            byName.putIfAbsent(obj.path(), obj);
            if (name != null) {
                byName.putIfAbsent(name, obj);
            }
            if (kind != ElfResolution.LoaderKind.MUSL) {
                obj.elf().soname().ifPresent(s -> byName.putIfAbsent(s, obj));
            }
        }

        private record Loaded(LoadedObject object) {
        }

        /** Finds and parses the program or its interpreter, recording links and failures. */
        private Optional<Loaded> load(String p, LoadedObject loadedBy, LoadedObject requester) {
            String who = requester == null ? null : requester.path();
            PathWalk.Trace trace;
            try {
                trace = PathWalk.trace(fs, p);
            } catch (ImageFileSystem.SymlinkLoopException e) {
                unresolved.add(new ElfResolution.Unresolved(p, who, e.getMessage()));
                return Optional.empty();
            }
            trace.links().forEach(e -> closure.add(e.path()));
            if (trace.target().isEmpty() || !trace.target().get().isRegular()) {
                unresolved.add(new ElfResolution.Unresolved(p, who, trace.target().isEmpty()
                        ? p + " does not exist in the image" : p + " is not a regular file"));
                return Optional.empty();
            }
            FileEntry f = trace.target().get();
            closure.add(f.path());
            try {
                return Optional.of(new Loaded(new LoadedObject(p, f.path(), objects.elf(f), loadedBy)));
            } catch (ElfFormatException e) {
                unresolved.add(new ElfResolution.Unresolved(p, who, p + " is not a readable ELF file: " + e.getMessage()));
            } catch (IOException e) {
                unresolved.add(new ElfResolution.Unresolved(p, who, p + " cannot be read: " + e.getMessage()));
            }
            return Optional.empty();
        }
    }
}
