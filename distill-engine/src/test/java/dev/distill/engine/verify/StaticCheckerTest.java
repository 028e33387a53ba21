package dev.distill.engine.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.elf.ElfBuilder;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.testing.TinyImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The static checks on small synthetic images: each check passing, and failing with path, layer and subject. */
class StaticCheckerTest {

    static final String LDSO = "/lib64/ld-linux-x86-64.so.2";
    static final String MULTI = "/lib/x86_64-linux-gnu";
    static final String PASSWD = "root:x:0:0:root:/root:/sbin/nologin\napp:x:1000:1000:app:/home/app:/sbin/nologin\n";
    static final String GROUP = "root:x:0:\napp:x:1000:\n";

    static byte[] prog(String... needed) {
        return ElfBuilder.x86_64().interpreter(LDSO).needed(needed).flags1(ElfFile.DF_1_PIE).build();
    }

    static byte[] lib(String soname, String... needed) {
        return ElfBuilder.x86_64().soname(soname).needed(needed).build();
    }

    /** A glibc base with accounts and one program, /app/server, needing libz. */
    static MemoryFileSystem.Builder image() {
        return MemoryFileSystem.builder()
                .file(MULTI + "/ld-linux-x86-64.so.2", ElfBuilder.x86_64().soname("ld-linux-x86-64.so.2").build(), 0755)
                .symlink(LDSO, MULTI + "/ld-linux-x86-64.so.2")
                .file(MULTI + "/libc.so.6", lib("libc.so.6", "ld-linux-x86-64.so.2"), 0755)
                .file(MULTI + "/libz.so.1", lib("libz.so.1", "libc.so.6"), 0644)
                .file("/etc/passwd", PASSWD)
                .file("/etc/group", GROUP)
                .file("/app/server", prog("libz.so.1", "libc.so.6"), 0755);
    }

    static ImageConfig config(String user, String... entrypoint) {
        return new ImageConfig(List.of(entrypoint), List.of(), user, List.of("PATH=/app:/usr/bin"), List.of(), "/app",
                null, null, null);
    }

    static StaticReport check(MemoryFileSystem.Builder fs, ImageConfig config) {
        return new StaticChecker().check(fs.build(), config);
    }

    @Test
    void aCompleteNonRootImagePassesEveryCheck() {
        StaticReport report = check(image(), config("app", "/app/server", "--port", "8080"));
        assertThat(report.failed()).isEmpty();
        assertThat(report.passed()).isTrue();
        assertThat(report.checks()).extracting(StaticCheck::name).containsExactly(StaticChecker.ELF_DEPENDENCIES,
                StaticChecker.NO_SHELL, StaticChecker.NO_PACKAGE_MANAGER, StaticChecker.NO_SETUID,
                StaticChecker.NON_ROOT_USER, StaticChecker.ENTRYPOINT);
    }

    @Test
    void aMissingLibraryNamesTheElfFileAndTheSoname() {
        MemoryFileSystem.Builder fs = image().file("/app/plugin.so", lib("plugin.so", "libmissing.so.2"), 0644);
        StaticReport report = check(fs, config("1000", "server"));
        StaticCheck elf = report.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow();
        assertThat(elf.passed()).isFalse();
        assertThat(elf.findings()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/app/plugin.so");
            assertThat(f.subject()).isEqualTo("libmissing.so.2");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.reason()).contains("/app/plugin.so needs libmissing.so.2");
        });
        // The plugin is not the entrypoint: the entrypoint itself still loads.
        assertThat(report.check(StaticChecker.ENTRYPOINT).orElseThrow().passed()).isTrue();
    }

    @Test
    void aLibraryRemovedFromUnderTheEntrypointFailsBothTheElfAndTheEntrypointCheck() {
        MemoryFileSystem fs = image().build();
        MemoryFileSystem.Builder without = MemoryFileSystem.builder();
        fs.entries().filter(e -> !e.path().equals(MULTI + "/libz.so.1")).forEach(e -> copy(fs, e, without));
        StaticReport report = check(without, config("app", "/app/server"));
        assertThat(report.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow().findings())
                .extracting(CheckFinding::path, CheckFinding::subject).containsExactly(
                        org.assertj.core.groups.Tuple.tuple("/app/server", "libz.so.1"));
        assertThat(report.check(StaticChecker.ENTRYPOINT).orElseThrow().findings())
                .extracting(CheckFinding::subject).containsExactly("libz.so.1");
    }

    @Test
    void aMissingInterpreterIsAFinding() {
        MemoryFileSystem.Builder fs = image().file("/app/other",
                ElfBuilder.x86_64().interpreter("/lib/ld-musl-x86_64.so.1").needed("libc.musl-x86_64.so.1").build(), 0755);
        StaticCheck elf = check(fs, config("app", "/app/server")).check(StaticChecker.ELF_DEPENDENCIES).orElseThrow();
        assertThat(elf.findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/app/other");
            assertThat(f.subject()).isEqualTo("/lib/ld-musl-x86_64.so.1");
            assertThat(f.reason()).contains("its interpreter");
        });
    }

    @Test
    void aLibraryFoundThroughItsProgramsRpathIsNotReportedOnItsOwn() {
        // libhelper needs libdep, which only the program's DT_RPATH leads to: glibc searches the RPATH of the
        // loading chain, so this loads; resolved alone, libhelper would look broken.
        MemoryFileSystem.Builder fs = image()
                .file("/opt/app/bin/tool", ElfBuilder.x86_64().interpreter(LDSO).needed("libhelper.so", "libc.so.6")
                        .rpath("/opt/app/lib").flags1(ElfFile.DF_1_PIE).build(), 0755)
                .file("/opt/app/lib/libhelper.so", lib("libhelper.so", "libdep.so"), 0644)
                .file("/opt/app/lib/libdep.so", lib("libdep.so"), 0644);
        StaticReport report = check(fs, config("app", "/app/server"));
        assertThat(report.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow().findings()).isEmpty();
    }

    @Test
    void shellsPackageManagersAndSetuidFilesAreReportedWithTheirPaths() {
        MemoryFileSystem.Builder fs = image()
                .file("/bin/busybox", ElfBuilder.x86_64().build(), 0755)
                .symlink("/bin/sh", "busybox")
                .file("/usr/bin/apt", prog("libc.so.6"), 0755)
                .file("/usr/bin/passwd", prog("libc.so.6"), 04755);
        StaticReport report = check(fs, config("app", "/app/server"));
        assertThat(report.check(StaticChecker.NO_SHELL).orElseThrow().findings())
                .extracting(CheckFinding::path).containsExactlyInAnyOrder("/bin/busybox", "/bin/sh");
        assertThat(report.check(StaticChecker.NO_SHELL).orElseThrow().findings())
                .filteredOn(f -> f.path().equals("/bin/sh")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("-> /bin/busybox"));
        assertThat(report.check(StaticChecker.NO_PACKAGE_MANAGER).orElseThrow().findings())
                .extracting(CheckFinding::path, CheckFinding::subject)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/usr/bin/apt", "apt"));
        assertThat(report.check(StaticChecker.NO_SETUID).orElseThrow().findings()).singleElement()
                .satisfies(f -> {
                    assertThat(f.path()).isEqualTo("/usr/bin/passwd");
                    assertThat(f.reason()).contains("4755");
                });
        assertThat(report.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow().passed()).isTrue();
    }

    @Test
    void aShellOnTheImagesOwnPathOutsideTheBinDirectoriesIsFound() {
        MemoryFileSystem.Builder fs = image()
                .file("/busybox/busybox", ElfBuilder.x86_64().build(), 0755)
                .symlink("/busybox/sh", "busybox");
        ImageConfig config = new ImageConfig(List.of("/app/server"), List.of(), "app",
                List.of("PATH=/busybox:/usr/bin"), List.of(), "/app", null, null, null);
        StaticCheck shell = new StaticChecker().check(fs.build(), config).check(StaticChecker.NO_SHELL).orElseThrow();
        assertThat(shell.findings()).extracting(CheckFinding::path).containsExactly("/busybox/busybox", "/busybox/sh");
        // Not on the PATH: not the image's shell (the file may still be a finding of another check).
        assertThat(check(fs, config("app", "/app/server")).check(StaticChecker.NO_SHELL).orElseThrow().passed()).isTrue();
    }

    @Test
    void rootIsRefusedWhetherUnsetNumericOrNamed() {
        assertThat(userFindings("")).singleElement().satisfies(f -> assertThat(f.reason()).contains("sets no user"));
        assertThat(userFindings("0:1000")).singleElement().satisfies(f -> assertThat(f.subject()).isEqualTo("root"));
        // A name is resolved through the image's own /etc/passwd: a renamed uid 0 is still root.
        MemoryFileSystem.Builder fs = image().file("/etc/passwd", PASSWD + "admin:x:0:0::/:/sbin/nologin\n");
        StaticCheck named = check(fs, config("admin", "/app/server")).check(StaticChecker.NON_ROOT_USER).orElseThrow();
        assertThat(named.findings()).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/etc/passwd");
            assertThat(f.reason()).contains("'admin' is uid 0");
        });
        assertThat(userFindings("app")).isEmpty();
        assertThat(userFindings("4242")).as("a uid the image does not list still runs").isEmpty();
    }

    @Test
    void aUserOrGroupTheImageDoesNotKnowCannotStart() {
        assertThat(userFindings("ghost")).singleElement().satisfies(f -> {
            assertThat(f.path()).isEqualTo("/etc/passwd");
            assertThat(f.subject()).isEqualTo("ghost");
        });
        assertThat(userFindings("app:nogroup")).singleElement().satisfies(f -> assertThat(f.path()).isEqualTo("/etc/group"));
    }

    private static List<CheckFinding> userFindings(String user) {
        return check(image(), config(user, "/app/server")).check(StaticChecker.NON_ROOT_USER).orElseThrow().findings();
    }

    @Test
    void theEntrypointIsLookedUpOnTheImagePathAndMustBeExecutableByTheUser() {
        assertThat(entrypointFindings(image(), "app", "server")).isEmpty();
        assertThat(entrypointFindings(image(), "app", "nothere")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("not found in the image on PATH /app:/usr/bin"));
        // Owned by root, mode 0700: uid 1000 may not execute it.
        MemoryFileSystem.Builder privateServer = image().file("/app/server", prog("libz.so.1", "libc.so.6"), 0700);
        assertThat(entrypointFindings(privateServer, "app", "/app/server")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("not executable by the image user 'app'"));
    }

    @Test
    void aScriptEntrypointNeedsItsInterpreterAndEnvsProgram() {
        MemoryFileSystem.Builder fs = image()
                .file("/usr/bin/python3", prog("libc.so.6"), 0755)
                .file("/app/run.py", "#!/usr/bin/python3\nprint('hi')\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/app/run-env", "#!/usr/bin/env python3\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/app/run-sh", "#!/bin/sh\nexec /app/server\n".getBytes(StandardCharsets.UTF_8), 0755)
                .file("/app/notes.txt", "just text".getBytes(StandardCharsets.UTF_8), 0755);
        assertThat(entrypointFindings(fs, "app", "/app/run.py")).isEmpty();
        assertThat(entrypointFindings(fs, "app", "/app/run-sh")).singleElement().satisfies(f -> {
            assertThat(f.subject()).isEqualTo("/bin/sh");
            assertThat(f.reason()).contains("the interpreter of /app/run-sh '/bin/sh' is not found");
        });
        // env itself is missing here, python3 is found on PATH.
        assertThat(entrypointFindings(fs, "app", "/app/run-env")).singleElement()
                .satisfies(f -> assertThat(f.subject()).isEqualTo("/usr/bin/env"));
        MemoryFileSystem.Builder withEnv = fs.file("/usr/bin/env", prog("libc.so.6"), 0755);
        assertThat(entrypointFindings(withEnv, "app", "/app/run-env")).isEmpty();
        assertThat(entrypointFindings(fs, "app", "/app/notes.txt")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("neither an ELF file nor a #! script"));
        // An interpreter that is present but cannot load is as bad as a missing one.
        MemoryFileSystem.Builder brokenPython = fs.file("/usr/bin/python3", prog("libpython3.11.so.1.0", "libc.so.6"), 0755);
        assertThat(entrypointFindings(brokenPython, "app", "/app/run.py")).extracting(CheckFinding::subject)
                .containsExactly("libpython3.11.so.1.0");
    }

    @Test
    void anImageWithoutACommandFailsTheEntrypointCheck() {
        assertThat(entrypointFindings(image(), "app")).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("neither ENTRYPOINT nor CMD"));
    }

    private static List<CheckFinding> entrypointFindings(MemoryFileSystem.Builder fs, String user, String... argv) {
        return check(fs, config(user, argv)).check(StaticChecker.ENTRYPOINT).orElseThrow().findings();
    }

    @Test
    void layeredImagesNameTheLayerOfEachFinding() throws Exception {
        TinyImage tiny = TinyImage.builder()
                .file("/bin/sh", ElfBuilder.x86_64().build(), 0755)
                .file("/app/server", ElfBuilder.x86_64().build(), 0755)
                .entrypoint("/app/server").user("1000").build();
        LayeredFileSystem fs = LayeredFileSystem.build(List.of(tiny.layerDescriptor()),
                blob -> new ByteArrayInputStream(tiny.layer()));
        StaticReport report = new StaticChecker().check(fs, tiny.imageConfig());
        assertThat(report.failed()).extracting(StaticCheck::name).containsExactly(StaticChecker.NO_SHELL);
        assertThat(report.check(StaticChecker.NO_SHELL).orElseThrow().findings()).singleElement()
                .satisfies(f -> assertThat(f.layer()).isEqualTo(tiny.layerDescriptor().digest().toString()));
    }

    @Test
    void aBrokenElfFileOrALinkLoopIsAFindingNeverAnException() {
        byte[] truncated = java.util.Arrays.copyOf(prog("libc.so.6"), 20);
        MemoryFileSystem.Builder fs = image()
                .file("/app/broken", truncated, 0755)
                .symlink("/app/loop-a", "loop-b")
                .symlink("/app/loop-b", "loop-a");
        StaticReport report = check(fs, config("app", "/app/loop-a"));
        assertThat(report.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow().findings()).singleElement()
                .satisfies(f -> {
                    assertThat(f.path()).isEqualTo("/app/broken");
                    assertThat(f.reason()).contains("cannot be read as ELF");
                });
        assertThat(report.check(StaticChecker.ENTRYPOINT).orElseThrow().findings()).singleElement()
                .satisfies(f -> assertThat(f.reason()).contains("'/app/loop-a' is not found"));
    }

    @Test
    void aCheckCannotPassWithFindingsNorFailWithout() {
        CheckFinding f = new CheckFinding("/x", "", "x", "broken");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new StaticCheck("c", true, List.of(f)))
                .hasMessageContaining("passed with 1 findings");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new StaticCheck("c", false, List.of()))
                .hasMessageContaining("failed with 0 findings");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new CheckFinding("relative", "", "", "r"))
                .hasMessageContaining("'relative'");
    }

    private static void copy(MemoryFileSystem from, dev.distill.engine.fs.FileEntry e, MemoryFileSystem.Builder to) {
        to.owner(e.uid(), e.gid());
        if (e.type() == FileType.REGULAR) {
            try {
                to.file(e.path(), from.read(e, Integer.MAX_VALUE), e.mode());
            } catch (java.io.IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        } else if (e.type() == FileType.SYMLINK) {
            to.symlink(e.path(), e.linkTarget());
        } else if (e.type() == FileType.DIRECTORY) {
            to.directory(e.path(), e.mode());
        }
    }
}
