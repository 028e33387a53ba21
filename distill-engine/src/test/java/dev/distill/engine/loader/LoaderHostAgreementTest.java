package dev.distill.engine.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.elf.HostTools;
import dev.distill.engine.fs.DirectoryFileSystem;
import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.fs.MemoryFileSystem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.SortedSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The resolver against the real loaders of this machine: for each program, the set of "name => path" lines
 * (and the interpreter, and "name => not found") that {@code ld.so --list} prints must be exactly what the
 * resolver finds reading the host's root through {@link DirectoryFileSystem}. Then the closure alone, copied
 * into a {@link MemoryFileSystem} like a distroless image, must resolve the same way.
 */
class LoaderHostAgreementTest {

    static final String GLIBC_LDSO = "/lib64/ld-linux-x86-64.so.2";
    static final String MUSL_LDSO = "/lib/ld-musl-x86_64.so.1";
    @TempDir
    static Path tmp;
    static Path built;
    static DirectoryFileSystem host;

    @BeforeAll
    static void build() throws Exception {
        assertThat(HostTools.onPath("gcc")).as("gcc is needed").isTrue();
        host = new DirectoryFileSystem(Path.of("/"));
        built = tmp.toRealPath();
        Path d = built;
        // RUNPATH $ORIGIN: app → libfoo (own RUNPATH $ORIGIN) → libbar, through a SONAME link.
        Files.createDirectories(d.resolve("lib"));
        HostTools.compile("gcc", d.resolve("lib"), "libbar.so.1.0", "int bar(void){return 2;}\n", "-shared", "-fPIC",
                "-Wl,-soname,libbar.so.1");
        Files.createSymbolicLink(d.resolve("lib/libbar.so.1"), Path.of("libbar.so.1.0"));
        Files.createSymbolicLink(d.resolve("lib/libbar.so"), Path.of("libbar.so.1"));
        HostTools.compile("gcc", d.resolve("lib"), "libfoo.so", "int bar(void);int foo(void){return bar();}\n",
                "-shared", "-fPIC", "-L" + d.resolve("lib"), "-lbar", "-Wl,--enable-new-dtags,-rpath,$ORIGIN");
        HostTools.compile("gcc", d, "app-runpath", "int foo(void);\n#include <math.h>\nint main(void){return foo()+(int)sqrt(4.0);}\n",
                "-L" + d.resolve("lib"), "-lfoo", "-lm", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/lib",
                "-Wl,-rpath-link," + d.resolve("lib"));
        // RPATH (absolute): app → libr1 (no path of its own) → libr2, found by the inherited RPATH.
        Files.createDirectories(d.resolve("rlib"));
        HostTools.compile("gcc", d.resolve("rlib"), "libr2.so", "int r2(void){return 2;}\n", "-shared", "-fPIC");
        HostTools.compile("gcc", d.resolve("rlib"), "libr1.so", "int r2(void);int r1(void){return r2();}\n", "-shared",
                "-fPIC", "-L" + d.resolve("rlib"), "-lr2");
        HostTools.compile("gcc", d, "app-rpath", "int r1(void);int main(void){return r1();}\n", "-L" + d.resolve("rlib"),
                "-lr1", "-Wl,--disable-new-dtags,-rpath," + d.resolve("rlib"), "-Wl,-rpath-link," + d.resolve("rlib"));
        // RUNPATH is not inherited: libn1 (no path) cannot find libn2 beside it.
        Files.createDirectories(d.resolve("nlib"));
        HostTools.compile("gcc", d.resolve("nlib"), "libn2.so", "int n2(void){return 2;}\n", "-shared", "-fPIC");
        HostTools.compile("gcc", d.resolve("nlib"), "libn1.so", "int n2(void);int n1(void){return n2();}\n", "-shared",
                "-fPIC", "-L" + d.resolve("nlib"), "-ln2");
        HostTools.compile("gcc", d, "app-noinherit", "int n1(void);int main(void){return n1();}\n",
                "-L" + d.resolve("nlib"), "-ln1", "-Wl,--enable-new-dtags,-rpath," + d.resolve("nlib"),
                "-Wl,-rpath-link," + d.resolve("nlib"));
    }

    static Stream<String> glibcPrograms() {
        List<String> host = Stream.of("/usr/bin/ls", "/bin/bash", "/usr/bin/python3", "/usr/bin/ssh", "/usr/bin/curl",
                "/usr/bin/git", "/usr/bin/perl", "/usr/bin/gpg", "/usr/bin/openssl",
                "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
                "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so",
                "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libc.so.6")
                .filter(p -> Files.exists(Path.of(p))).toList();
        return Stream.concat(host.stream(), Stream.of("app-runpath", "app-rpath", "app-noinherit"));
    }

    private static String absolute(String program) {
        return program.startsWith("/") ? program : built.resolve(program).toString();
    }

    @ParameterizedTest
    @MethodSource("glibcPrograms")
    void glibcAgreesWithLdSoList(String program) throws Exception {
        String path = absolute(program);
        SortedSet<String> expected = loaderList(GLIBC_LDSO, path);
        ElfResolution r = new ElfDependencyResolver(host).resolve(path);
        assertThat(r.loader()).isEqualTo(ElfResolution.LoaderKind.GLIBC);
        assertThat(r.cacheSource()).isEqualTo(LoaderSearchPath.Origin.LD_SO_CACHE);
        assertThat(lines(r)).as("resolver vs ld.so --list for %s", path).isEqualTo(expected);

        // The closure alone, as a distroless image would carry it, resolves to the same files.
        ElfResolution again = new ElfDependencyResolver(copy(host, r.closure())).resolve(path);
        assertThat(lines(again)).as("closure-only image for %s", path).isEqualTo(expected);
        assertThat(again.closure()).isEqualTo(r.closure());
    }

    @Test
    void theSpecialCasesAreReallyExercised() throws Exception {
        ElfResolution runpath = new ElfDependencyResolver(host).resolve(absolute("app-runpath"));
        assertThat(runpath.libraries()).extracting(ElfResolution.Library::name, ElfResolution.Library::origin)
                .contains(org.assertj.core.groups.Tuple.tuple("libfoo.so", LoaderSearchPath.Origin.RUNPATH),
                        org.assertj.core.groups.Tuple.tuple("libbar.so.1", LoaderSearchPath.Origin.RUNPATH));
        assertThat(runpath.closure()).contains(built + "/lib/libbar.so.1", built + "/lib/libbar.so.1.0");
        ElfResolution rpath = new ElfDependencyResolver(host).resolve(absolute("app-rpath"));
        assertThat(rpath.libraries()).extracting(ElfResolution.Library::name, ElfResolution.Library::origin)
                .contains(org.assertj.core.groups.Tuple.tuple("libr2.so", LoaderSearchPath.Origin.RPATH));
        ElfResolution noinherit = new ElfDependencyResolver(host).resolve(absolute("app-noinherit"));
        assertThat(noinherit.unresolved()).extracting(ElfResolution.Unresolved::name).containsExactly("libn2.so");
        assertThat(noinherit.complete()).isFalse();
    }

    @Test
    void ldLibraryPathAndCandidatesGlibcSkipsOrRejects() throws Exception {
        Path d = built;
        byte[] real = Files.readAllBytes(d.resolve("nlib/libn2.so"));
        byte[] otherMachine = real.clone();
        otherMachine[18] = (byte) 183; // AArch64
        byte[] otherClass = real.clone();
        otherClass[4] = 1; // ELFCLASS32
        Files.createDirectories(d.resolve("wrongm"));
        Files.createDirectories(d.resolve("wrongc"));
        Files.createDirectories(d.resolve("garbage"));
        Files.write(d.resolve("wrongm/libn2.so"), otherMachine);
        Files.write(d.resolve("wrongc/libn2.so"), otherClass);
        Files.write(d.resolve("garbage/libn2.so"), "/* GNU ld script */\nINPUT(libn2.so.0)\n".repeat(8).getBytes());
        String app = absolute("app-noinherit");

        Map<String, String> skipping = Map.of("LD_LIBRARY_PATH", d.resolve("wrongm") + ":" + d.resolve("wrongc") + ";"
                + d.resolve("nlib"));
        SortedSet<String> expected = loaderList(GLIBC_LDSO, app, skipping);
        ElfResolution r = new ElfDependencyResolver(host, skipping, true).resolve(app);
        assertThat(lines(r)).isEqualTo(expected).contains("libn2.so => " + d.resolve("nlib/libn2.so"));
        assertThat(r.libraries()).filteredOn(l -> l.name().equals("libn2.so")).singleElement()
                .extracting(ElfResolution.Library::origin).isEqualTo(LoaderSearchPath.Origin.LD_LIBRARY_PATH);

        Map<String, String> rejecting = Map.of("LD_LIBRARY_PATH", d.resolve("garbage") + ":" + d.resolve("nlib"));
        HostTools.Result real2 = HostTools.run(List.of(GLIBC_LDSO, app),
                Map.of("LD_TRACE_LOADED_OBJECTS", "1", "LD_LIBRARY_PATH", rejecting.get("LD_LIBRARY_PATH")));
        assertThat(real2.out()).contains("libn2.so: invalid ELF header");
        ElfResolution rejected = new ElfDependencyResolver(host, rejecting, true).resolve(app);
        assertThat(rejected.unresolved()).singleElement().satisfies(u -> {
            assertThat(u.name()).isEqualTo("libn2.so");
            assertThat(u.reason()).contains("invalid ELF header");
        });
    }

    @Test
    void aProgramStartedThroughASymlinkGetsItsRealDirectoryAsOrigin() throws Exception {
        Path opt = Files.createDirectories(built.resolve("opt/app/lib"));
        Files.createDirectories(built.resolve("opt/app/bin"));
        Files.createDirectories(built.resolve("usr-local-bin"));
        HostTools.compile("gcc", opt, "libo.so", "int o(void){return 7;}\n", "-shared", "-fPIC");
        Path app = HostTools.compile("gcc", built.resolve("opt/app/bin"), "app",
                "#include <stdio.h>\nint o(void);int main(void){printf(\"%d\\n\", o());return 0;}\n",
                "-L" + opt, "-lo", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../lib");
        Path link = built.resolve("usr-local-bin/app");
        Files.createSymbolicLink(link, Path.of("../opt/app/bin/app"));
        // The kernel starts it with /proc/self/exe = the real file: $ORIGIN is opt/app/bin, and it runs.
        assertThat(HostTools.runOk(link.toString()).trim()).isEqualTo("7");
        ElfResolution r = new ElfDependencyResolver(host).resolve(link.toString());
        assertThat(r.unresolved()).isEmpty();
        assertThat(r.resolved()).containsEntry("libo.so", app.getParent() + "/../lib/libo.so");
        assertThat(r.closure()).contains(link.toString(), app.toString(), opt + "/libo.so");
    }

    @Test
    void staticProgramsNeedNothing() throws Exception {
        Path st = HostTools.compile("gcc", built, "static", "int main(void){return 0;}\n", "-static");
        HostTools.Result ldd = HostTools.run(List.of("ldd", st.toString()), Map.of());
        assertThat(ldd.out()).contains("not a dynamic executable");
        ElfResolution r = new ElfDependencyResolver(host).resolve(st.toString());
        assertThat(r.loader()).isEqualTo(ElfResolution.LoaderKind.STATIC);
        assertThat(r.closure()).containsExactly(st.toString());
    }

    @Test
    void muslAgreesWithItsLoaderInLddMode() throws Exception {
        assertThat(HostTools.onPath("musl-gcc")).as("musl-gcc is missing: install musl-tools (apt-get install musl-tools)")
                .isTrue();
        assertThat(Path.of(MUSL_LDSO)).as("install musl-tools (it brings the musl loader)").exists();
        Path d = Files.createDirectories(built.resolve("musl"));
        Files.createDirectories(d.resolve("lib"));
        HostTools.compile("musl-gcc", d.resolve("lib"), "libmbar.so", "int mbar(void){return 3;}\n", "-shared", "-fPIC");
        HostTools.compile("musl-gcc", d.resolve("lib"), "libmfoo.so", "int mbar(void);int mfoo(void){return mbar();}\n",
                "-shared", "-fPIC", "-L" + d.resolve("lib"), "-lmbar");
        // musl inherits RPATH and RUNPATH alike: libmbar is found through the program's $ORIGIN path.
        HostTools.compile("musl-gcc", d, "mapp", "int mfoo(void);\n#include <stdio.h>\nint main(void){printf(\"%d\\n\", mfoo());return 0;}\n",
                "-L" + d.resolve("lib"), "-lmfoo", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/lib",
                "-Wl,-rpath-link," + d.resolve("lib"));
        HostTools.compile("musl-gcc", d, "mapp-missing", "int mfoo(void);int main(void){return mfoo();}\n",
                "-L" + d.resolve("lib"), "-lmfoo", "-Wl,-rpath-link," + d.resolve("lib"));
        for (String name : List.of("mapp", "mapp-missing")) {
            String path = d.resolve(name).toString();
            SortedSet<String> expected = loaderList(MUSL_LDSO, path);
            ElfResolution r = new ElfDependencyResolver(host).resolve(path);
            assertThat(r.loader()).isEqualTo(ElfResolution.LoaderKind.MUSL);
            assertThat(r.interpreter()).isEqualTo(MUSL_LDSO);
            assertThat(lines(r)).as("resolver vs musl ldd for %s", path).isEqualTo(expected);
        }
        ElfResolution ok = new ElfDependencyResolver(host).resolve(d.resolve("mapp").toString());
        assertThat(ok.resolved()).containsEntry("libc.so", MUSL_LDSO).containsEntry("libmfoo.so", d + "/lib/libmfoo.so");
        // The loader link as the host has it: /lib → usr/lib, then the link in /usr/lib, then libc.so.
        assertThat(ok.closure()).contains("/lib", "/usr/lib/ld-musl-x86_64.so.1", "/usr/lib/x86_64-linux-musl/libc.so",
                d + "/lib/libmbar.so");
        // The program really runs with that loader.
        assertThat(HostTools.runOk(d.resolve("mapp").toString()).trim()).isEqualTo("3");
    }

    /** Runs a loader in list mode and keeps its lines as "name => path", "name => not found" or "path". */
    static SortedSet<String> loaderList(String loader, String program) throws Exception {
        return loaderList(loader, program, Map.of());
    }

    static SortedSet<String> loaderList(String loader, String program, Map<String, String> env) throws Exception {
        // glibc: LD_TRACE_LOADED_OBJECTS as ldd sets it (2.36's --list stops at the first missing library);
        // musl: --list.
        Map<String, String> all = new java.util.HashMap<>(env);
        if (!loader.contains("musl")) {
            all.put("LD_TRACE_LOADED_OBJECTS", "1");
        }
        HostTools.Result res = loader.contains("musl")
                ? HostTools.run(List.of(loader, "--list", program), all)
                : HostTools.run(List.of(loader, program), all);
        SortedSet<String> out = new TreeSet<>();
        Pattern arrow = Pattern.compile("^\\s*(\\S+) => (.+?)(?: \\(0x[0-9a-f]+\\))?$");
        Pattern bare = Pattern.compile("^\\s*(\\S+) \\(0x[0-9a-f]+\\)$");
        Pattern muslError = Pattern.compile("^Error loading shared library (\\S+): .*");
        for (String line : res.out().split("\n")) {
            Matcher m;
            if ((m = arrow.matcher(line)).matches()) {
                out.add(m.group(1) + " => " + m.group(2));
            } else if ((m = bare.matcher(line)).matches()) {
                if (!m.group(1).startsWith("linux-vdso")) {
                    out.add(m.group(1));
                }
            } else if ((m = muslError.matcher(line)).matches()) {
                out.add(m.group(1) + " => not found");
            } else if (!line.isBlank() && !line.startsWith("Error relocating")) {
                throw new AssertionError("unexpected line from " + loader + " --list " + program + ": " + line);
            }
        }
        assertThat(out).as("%s --list %s printed nothing: %s", loader, program, res.out()).isNotEmpty();
        return out;
    }

    /** The same lines from a resolution. */
    static SortedSet<String> lines(ElfResolution r) {
        SortedSet<String> out = new TreeSet<>();
        if (r.interpreter() != null) {
            out.add(r.interpreter());
        }
        for (ElfResolution.Library l : r.libraries()) {
            out.add(l.name() + " => " + l.path());
        }
        for (ElfResolution.Unresolved u : r.unresolved()) {
            out.add(u.name() + " => not found");
        }
        return out;
    }

    /** Copies exactly these paths (links as links, files with their bytes) into memory. */
    static MemoryFileSystem copy(ImageFileSystem from, SortedSet<String> paths) throws IOException {
        MemoryFileSystem.Builder b = MemoryFileSystem.builder();
        List<String> missing = new ArrayList<>();
        for (String p : paths) {
            FileEntry e = from.entry(p).orElse(null);
            if (e == null) {
                missing.add(p);
            } else if (e.isSymlink()) {
                b.symlink(p, e.linkTarget());
            } else if (e.isRegular()) {
                try (var in = from.open(e)) {
                    b.file(p, in.readAllBytes(), e.mode());
                }
            } else if (e.isDirectory()) {
                b.directory(p, e.mode());
            }
        }
        assertThat(missing).as("closure paths that are not entries").isEmpty();
        return b.build();
    }
}
