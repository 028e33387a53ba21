package dev.distill.engine.loader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import dev.distill.engine.elf.ElfBuilder;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.fs.MemoryFileSystem;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The loaders' rules on small synthetic images. */
class ElfDependencyResolverTest {

    static final String LDSO = "/lib64/ld-linux-x86-64.so.2";
    static final String MULTI = "/lib/x86_64-linux-gnu";

    static byte[] prog(String... needed) {
        return ElfBuilder.x86_64().interpreter(LDSO).needed(needed).flags1(ElfFile.DF_1_PIE).build();
    }

    static byte[] lib(String soname, String... needed) {
        return ElfBuilder.x86_64().soname(soname).needed(needed).build();
    }

    /** A Debian-like base: loader link, libc with its versioned file and link, ld.so needed by libc. */
    static MemoryFileSystem.Builder debian() {
        return MemoryFileSystem.builder()
                .file(MULTI + "/ld-linux-x86-64.so.2", ElfBuilder.x86_64().soname("ld-linux-x86-64.so.2").build(), 0755)
                .symlink(LDSO, MULTI + "/ld-linux-x86-64.so.2")
                .file(MULTI + "/libc.so.6", lib("libc.so.6", "ld-linux-x86-64.so.2"), 0755);
    }

    @Test
    void debianProgramWithLinksInTheClosure() {
        MemoryFileSystem fs = debian()
                .file("/usr/bin/app", prog("libz.so.1", "libc.so.6"), 0755)
                .file(MULTI + "/libz.so.1.2.13", lib("libz.so.1", "libc.so.6"), 0644)
                .symlink(MULTI + "/libz.so.1", "libz.so.1.2.13")
                .symlink("/usr/local/bin/app", "/usr/bin/app")
                .build();
        ElfResolution r = new ElfDependencyResolver(fs).resolve("/usr/local/bin/app");
        assertThat(r.loader()).isEqualTo(ElfResolution.LoaderKind.GLIBC);
        assertThat(r.interpreter()).isEqualTo(LDSO);
        assertThat(r.needed()).containsExactly("libz.so.1", "libc.so.6");
        assertThat(r.resolved()).containsExactly(entry("libz.so.1", MULTI + "/libz.so.1"),
                entry("libc.so.6", MULTI + "/libc.so.6"));
        assertThat(r.closure()).containsExactlyInAnyOrder("/usr/local/bin/app", "/usr/bin/app", LDSO,
                MULTI + "/ld-linux-x86-64.so.2", MULTI + "/libc.so.6", MULTI + "/libz.so.1", MULTI + "/libz.so.1.2.13");
        assertThat(r.unresolved()).isEmpty();
        // No cache and no ld.so.conf: the default directories, and the result says so.
        assertThat(r.cacheSource()).isNull();
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("no /etc/ld.so.cache and no /etc/ld.so.conf"));
        assertThat(r.libraries()).extracting(ElfResolution.Library::origin)
                .containsOnly(LoaderSearchPath.Origin.DEFAULT);
    }

    @Test
    void glibcSearchOrderRpathThenLdLibraryPathThenRunpathThenCacheThenDefaults() {
        byte[] found = lib("libx.so");
        MemoryFileSystem.Builder base = debian()
                .file("/r/libx.so", found, 0644).file("/llp/libx.so", found, 0644).file("/run/libx.so", found, 0644)
                .file("/cached/libx.so", found, 0644).file(MULTI + "/libx.so", found, 0644)
                .file("/etc/ld.so.cache", LdSoCacheTest.cache(false, "libx.so", "/cached/libx.so"), 0644);
        Map<String, String> env = Map.of("LD_LIBRARY_PATH", "/llp");
        byte[] withRpath = ElfBuilder.x86_64().interpreter(LDSO).needed("libx.so").rpath("/r").build();
        byte[] withBoth = ElfBuilder.x86_64().interpreter(LDSO).needed("libx.so").rpath("/r").runpath("/run").build();
        byte[] withRunpath = ElfBuilder.x86_64().interpreter(LDSO).needed("libx.so").runpath("/run").build();
        byte[] plain = prog("libx.so");
        assertThat(where(base, withRpath, env)).isEqualTo("/r/libx.so");
        assertThat(where(base, withBoth, env)).isEqualTo("/llp/libx.so"); // RUNPATH present: RPATH ignored
        assertThat(where(base, withRunpath, Map.of())).isEqualTo("/run/libx.so");
        assertThat(where(base, plain, Map.of())).isEqualTo("/cached/libx.so");
        MemoryFileSystem.Builder noCache = debian().file(MULTI + "/libx.so", found, 0644);
        assertThat(where(noCache, plain, Map.of())).isEqualTo(MULTI + "/libx.so");
    }

    private static String where(MemoryFileSystem.Builder base, byte[] program, Map<String, String> env) {
        MemoryFileSystem fs = base.file("/bin/p", program, 0755).build();
        ElfResolution r = new ElfDependencyResolver(fs, env, true).resolve("/bin/p");
        assertThat(r.unresolved()).isEmpty();
        return r.resolved().get("libx.so");
    }

    @Test
    void nodeflibSkipsDefaultDirectoriesAndTheirCacheEntriesAndTheCacheJoinsTheClosureWhenOnlyItKnowsTheDirectory() {
        MemoryFileSystem fs = debian()
                .file("/bin/p", ElfBuilder.x86_64().interpreter(LDSO).needed("libx.so", "libz.so")
                        .flags1(ElfFile.DF_1_NODEFLIB).build(), 0755)
                .file("/bin/q", prog("libz.so"), 0755)
                .file(MULTI + "/libx.so", lib("libx.so"), 0644)
                .file("/opt/z/libz.so", lib("libz.so"), 0644)
                .file("/etc/ld.so.cache", LdSoCacheTest.cache(false, "libx.so", MULTI + "/libx.so",
                        "libz.so", "/opt/z/libz.so"), 0644)
                .build();
        ElfResolution r = new ElfDependencyResolver(fs).resolve("/bin/p");
        assertThat(r.resolved()).containsEntry("libx.so", null).containsEntry("libz.so", "/opt/z/libz.so");
        assertThat(r.closure()).contains("/etc/ld.so.cache", "/opt/z/libz.so");
        ElfResolution q = new ElfDependencyResolver(fs).resolve("/bin/q");
        assertThat(q.closure()).contains("/etc/ld.so.cache");
        ElfResolution plain = new ElfDependencyResolver(debian().file("/bin/q", prog("libc.so.6"), 0755)
                .file("/etc/ld.so.cache", LdSoCacheTest.cache(false, "libc.so.6", MULTI + "/libc.so.6"), 0644)
                .build()).resolve("/bin/q");
        assertThat(plain.libraries()).extracting(ElfResolution.Library::origin)
                .containsExactly(LoaderSearchPath.Origin.LD_SO_CACHE);
        assertThat(plain.closure()).doesNotContain("/etc/ld.so.cache"); // the default directories find it anyway
    }

    @Test
    void rpathIsInheritedDownTheLoaderChainButRunpathIsNot() {
        MemoryFileSystem fs = debian()
                .file("/bin/rp", ElfBuilder.x86_64().interpreter(LDSO).needed("liba.so").rpath("$ORIGIN/../rlib").build(), 0755)
                .file("/bin/run", ElfBuilder.x86_64().interpreter(LDSO).needed("liba.so").runpath("${ORIGIN}/../rlib").build(), 0755)
                .file("/rlib/liba.so", lib("liba.so", "libb.so"), 0644)
                .file("/rlib/libb.so", lib("libb.so"), 0644)
                .build();
        ElfResolution rp = new ElfDependencyResolver(fs).resolve("/bin/rp");
        assertThat(rp.unresolved()).isEmpty();
        // Paths as the loader builds them ($ORIGIN/../rlib is not normalised), real paths after the walk.
        assertThat(rp.libraries()).extracting(ElfResolution.Library::path, ElfResolution.Library::realPath,
                        ElfResolution.Library::origin)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/bin/../rlib/liba.so", "/rlib/liba.so",
                                LoaderSearchPath.Origin.RPATH),
                        org.assertj.core.groups.Tuple.tuple("/bin/../rlib/libb.so", "/rlib/libb.so",
                                LoaderSearchPath.Origin.RPATH));
        assertThat(rp.closure()).contains("/rlib/liba.so", "/rlib/libb.so");
        ElfResolution run = new ElfDependencyResolver(fs).resolve("/bin/run");
        assertThat(run.resolved()).containsEntry("liba.so", "/bin/../rlib/liba.so");
        assertThat(run.unresolved()).singleElement().satisfies(u -> {
            assertThat(u.name()).isEqualTo("libb.so");
            assertThat(u.requestedBy()).isEqualTo("/bin/../rlib/liba.so");
            assertThat(u.reason()).contains("not found");
        });
    }

    @Test
    void wrongClassIsSkippedNonElfStopsAndSonameMatchesTheInterpreter() {
        MemoryFileSystem fs = debian()
                .file("/bin/p", ElfBuilder.x86_64().interpreter(LDSO).needed("libw.so", "libn.so", "libc.so.6")
                        .runpath("/first").build(), 0755)
                .file("/first/libw.so", ElfBuilder.x86_64().elf32().machine(3).soname("libw.so").build(), 0644)
                .file(MULTI + "/libw.so", lib("libw.so"), 0644)
                .file("/first/libn.so", "/* GNU ld script */\nINPUT(-lfoo)\n".repeat(4))
                .file(MULTI + "/libn.so", lib("libn.so"), 0644)
                .build();
        ElfResolution r = new ElfDependencyResolver(fs).resolve("/bin/p");
        assertThat(r.resolved()).containsEntry("libw.so", MULTI + "/libw.so").containsEntry("libn.so", null)
                .containsEntry("libc.so.6", MULTI + "/libc.so.6");
        assertThat(r.unresolved()).singleElement().satisfies(u -> assertThat(u.reason()).contains("invalid ELF header"));
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("libw.so: passed over /first/libw.so"));
        // libc.so.6 needs ld-linux-x86-64.so.2: the interpreter answers by SONAME, nothing else is loaded.
        assertThat(r.libraries()).extracting(ElfResolution.Library::name).containsExactly("libw.so", "libc.so.6");
    }

    @Test
    void expansionOfLibAndPlatformAndPathNames() {
        MemoryFileSystem fs = debian()
                .file("/bin/p", ElfBuilder.x86_64().interpreter(LDSO).needed("libl.so", "libq.so", "/opt/abs.so", "rel/x.so")
                        .rpath("/opt/$LIB:/opt/${PLATFORM}").build(), 0755)
                .file("/opt/lib/x86_64-linux-gnu/libl.so", lib("libl.so"), 0644)
                .file("/opt/x86_64/libq.so", lib("libq.so"), 0644)
                .file("/opt/abs.so", lib("abs.so"), 0644)
                .build();
        ElfResolution r = new ElfDependencyResolver(fs).resolve("/bin/p");
        assertThat(r.resolved()).containsEntry("libl.so", "/opt/lib/x86_64-linux-gnu/libl.so")
                .containsEntry("libq.so", "/opt/x86_64/libq.so").containsEntry("/opt/abs.so", "/opt/abs.so")
                .containsEntry("rel/x.so", null);
        assertThat(r.unresolved()).singleElement().satisfies(u -> assertThat(u.reason()).contains("relative path"));
    }

    @Test
    void upstreamLayoutUsesLib64AndLdSoConfWithIncludes() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/lib64/ld-linux-x86-64.so.2", ElfBuilder.x86_64().soname("ld-linux-x86-64.so.2").build(), 0755)
                .file("/lib64/libc.so.6", lib("libc.so.6"), 0755)
                .file("/bin/p", prog("libc.so.6", "libextra.so"), 0755)
                .file("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n")
                .file("/etc/ld.so.conf.d/extra.conf", "# extra\n/opt/extra/lib\n")
                .file("/opt/extra/lib/libextra.so", lib("libextra.so"), 0644)
                .build();
        ElfResolution r = new ElfDependencyResolver(fs).resolve("/bin/p");
        assertThat(r.cacheSource()).isEqualTo(LoaderSearchPath.Origin.LD_SO_CONF);
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("which only ldconfig reads"));
        assertThat(r.resolved()).containsEntry("libc.so.6", "/lib64/libc.so.6")
                .containsEntry("libextra.so", "/opt/extra/lib/libextra.so");
        assertThat(r.libraries()).extracting(ElfResolution.Library::origin)
                .containsExactly(LoaderSearchPath.Origin.DEFAULT, LoaderSearchPath.Origin.LD_SO_CONF);
        // Without the fallback the loader's own view: ld.so.conf is not read.
        ElfResolution strict = new ElfDependencyResolver(fs, Map.of(), false).resolve("/bin/p");
        assertThat(strict.resolved()).containsEntry("libextra.so", null);
        assertThat(strict.cacheSource()).isNull();
    }

    @Test
    void staticNotElfAndMissingFilesAreRecordedNotThrown() {
        MemoryFileSystem fs = debian()
                .file("/bin/static", ElfBuilder.x86_64().type(2).noDynamic().build(), 0755)
                .file("/bin/script", "#!/bin/sh\n")
                .file("/bin/nointerp", ElfBuilder.x86_64().interpreter("/lib/ld-missing.so.1").needed("libc.so.6").build(), 0755)
                .symlink("/bin/loop", "/bin/loop")
                .build();
        ElfDependencyResolver resolver = new ElfDependencyResolver(fs);
        ElfResolution st = resolver.resolve("/bin/static");
        assertThat(st.loader()).isEqualTo(ElfResolution.LoaderKind.STATIC);
        assertThat(st.closure()).containsExactly("/bin/static");
        assertThat(st.complete()).isTrue();
        assertThat(resolver.resolve("/bin/script").unresolved()).singleElement()
                .satisfies(u -> assertThat(u.reason()).contains("not a readable ELF file"));
        assertThat(resolver.resolve("/bin/missing").unresolved()).singleElement()
                .satisfies(u -> assertThat(u.reason()).contains("does not exist"));
        assertThat(resolver.resolve("/bin/loop").unresolved()).singleElement()
                .satisfies(u -> assertThat(u.reason()).contains("too many levels"));
        ElfResolution ni = resolver.resolve("/bin/nointerp");
        assertThat(ni.loader()).isEqualTo(ElfResolution.LoaderKind.UNKNOWN);
        assertThat(ni.unresolved()).extracting(ElfResolution.Unresolved::name).containsExactly("/lib/ld-missing.so.1");
        assertThat(ni.resolved()).containsEntry("libc.so.6", MULTI + "/libc.so.6");
    }

    @Test
    void muslRules() throws Exception {
        String musl = "/lib/ld-musl-x86_64.so.1";
        byte[] muslProg = ElfBuilder.x86_64().interpreter(musl).needed("libssl.so.3", "libc.musl-x86_64.so.1")
                .rpath("$ORIGIN/../plug").flags1(ElfFile.DF_1_PIE).build();
        MemoryFileSystem.Builder alpine = MemoryFileSystem.builder()
                .file(musl, ElfBuilder.x86_64().soname("libc.musl-x86_64.so.1").build(), 0755)
                .symlink("/lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
                .file("/usr/bin/app", muslProg, 0755)
                .file("/usr/lib/libssl.so.3", ElfBuilder.x86_64().soname("libssl.so.3").needed("libcrypto.so.3", "libc.musl-x86_64.so.1").build(), 0644)
                .file("/usr/plug/libcrypto.so.3", ElfBuilder.x86_64().soname("libcrypto.so.3").needed("libc.musl-x86_64.so.1").build(), 0644);
        ElfResolution r = new ElfDependencyResolver(alpine.build()).resolve("/usr/bin/app");
        assertThat(r.loader()).isEqualTo(ElfResolution.LoaderKind.MUSL);
        assertThat(r.resolved()).containsExactly(entry("libssl.so.3", "/usr/lib/libssl.so.3"),
                entry("libc.musl-x86_64.so.1", musl));
        // libcrypto is found through the program's RPATH although libssl needs it: musl walks the chain too.
        assertThat(r.libraries()).extracting(ElfResolution.Library::path)
                .containsExactly("/usr/lib/libssl.so.3", musl, "/usr/bin/../plug/libcrypto.so.3");
        assertThat(r.closure()).containsExactlyInAnyOrder("/usr/bin/app", musl, "/usr/lib/libssl.so.3",
                "/usr/plug/libcrypto.so.3");
        assertThat(r.unresolved()).isEmpty();

        // A path file replaces the default; musl does not skip a wrong-class file.
        Map<String, String> env = new HashMap<>();
        MemoryFileSystem withPath = alpine
                .file("/etc/ld-musl-x86_64.path", "/opt/first\n/usr/lib:/usr/plug\n")
                .file("/opt/first/libssl.so.3", ElfBuilder.x86_64().elf32().machine(3).build(), 0644)
                .build();
        ElfResolution p = new ElfDependencyResolver(withPath, env, true).resolve("/usr/bin/app");
        assertThat(p.resolved()).containsEntry("libssl.so.3", null);
        assertThat(p.unresolved()).singleElement().satisfies(u -> assertThat(u.reason()).contains("musl does not skip"));
        MuslLoader loader = new MuslLoader(withPath, ElfFile.parse(muslProg), musl, Map.of("LD_LIBRARY_PATH", "/llp"));
        assertThat(loader.searchPath(new LoadedObject("/usr/bin/app", "/usr/bin/app", ElfFile.parse(muslProg), null))
                .directories()).containsExactly("/llp", "/usr/bin/../plug", "/opt/first", "/usr/lib", "/usr/plug");
    }

    @Test
    void muslPathFileJoinsTheClosureWhenOnlyItKnowsTheDirectory() throws Exception {
        String musl = "/lib/ld-musl-x86_64.so.1";
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file(musl, ElfBuilder.x86_64().build(), 0755)
                .file("/etc/ld-musl-x86_64.path", "/opt/greet/lib\n/lib:/usr/local/lib:/usr/lib\n".getBytes(), 0644)
                .file("/bin/far", ElfBuilder.x86_64().interpreter(musl).needed("libfar.so.1", "libc.so").build(), 0755)
                .file("/opt/greet/lib/libfar.so.1", ElfBuilder.x86_64().soname("libfar.so.1").needed("libc.so").build(), 0644)
                .file("/bin/near", ElfBuilder.x86_64().interpreter(musl).needed("libnear.so.1", "libc.so").build(), 0755)
                .file("/usr/lib/libnear.so.1", ElfBuilder.x86_64().soname("libnear.so.1").needed("libc.so").build(), 0644)
                .build();
        ElfResolution far = new ElfDependencyResolver(fs).resolve("/bin/far");
        assertThat(far.libraries()).extracting(ElfResolution.Library::origin)
                .contains(LoaderSearchPath.Origin.MUSL_PATH_FILE);
        // Without the path file musl searches /lib:/usr/local/lib:/usr/lib and would not find libfar.
        assertThat(far.closure()).containsExactlyInAnyOrder("/bin/far", musl, "/opt/greet/lib/libfar.so.1",
                "/etc/ld-musl-x86_64.path");
        ElfResolution alone = new ElfDependencyResolver(LoaderHostAgreementTest.copy(fs, far.closure())).resolve("/bin/far");
        assertThat(alone.resolved()).isEqualTo(far.resolved());
        assertThat(alone.unresolved()).isEmpty();
        // A library in a default directory is found without it.
        ElfResolution near = new ElfDependencyResolver(fs).resolve("/bin/near");
        assertThat(near.unresolved()).isEmpty();
        assertThat(near.closure()).containsExactlyInAnyOrder("/bin/near", musl, "/usr/lib/libnear.so.1");
    }

    @Test
    void muslReservedNames() {
        assertThat(MuslLoader.providedByLoader("libc.so")).isTrue();
        assertThat(MuslLoader.providedByLoader("libc.musl-x86_64.so.1")).isTrue();
        assertThat(MuslLoader.providedByLoader("libpthread.so.0")).isTrue();
        assertThat(MuslLoader.providedByLoader("libm.so.6")).isTrue();
        assertThat(MuslLoader.providedByLoader("libcrypto.so.3")).isFalse();
        assertThat(MuslLoader.providedByLoader("libmagic.so.1")).isFalse();
        assertThat(MuslLoader.arch("/lib/ld-musl-aarch64.so.1")).contains("aarch64");
    }
}
