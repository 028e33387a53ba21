package dev.distill.engine.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.elf.ElfBuilder;
import dev.distill.engine.elf.ElfFile;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.loader.ElfDependencyResolver;
import dev.distill.engine.loader.ElfResolution;
import dev.distill.engine.verify.CheckFinding;
import dev.distill.engine.verify.StaticCheck;
import dev.distill.engine.verify.StaticChecker;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A JVM home laid out as Debian's openjdk-17 packages lay it out: the launcher's RPATH reaches libjli, the libraries of
 * lib/ name libjvm.so with an RPATH of $ORIGIN only, and libjvm.so lives in lib/server. The loader finds libjvm among
 * the objects the launcher already loaded; the static check must see it the same way, and still fail when it is gone.
 */
class JvmHomeTest {

    static final String HOME = "/usr/lib/jvm/java-17-openjdk-amd64";
    static final String MULTI = "/lib/x86_64-linux-gnu";
    static final String LDSO = "/lib64/ld-linux-x86-64.so.2";

    static MemoryFileSystem.Builder jre() {
        return MemoryFileSystem.builder()
                .file(MULTI + "/ld-linux-x86-64.so.2", ElfBuilder.x86_64().soname("ld-linux-x86-64.so.2").build(), 0755)
                .symlink(LDSO, MULTI + "/ld-linux-x86-64.so.2")
                .file(MULTI + "/libc.so.6", lib("libc.so.6", null, "ld-linux-x86-64.so.2"), 0755)
                .file(MULTI + "/libz.so.1", lib("libz.so.1", null, "libc.so.6"), 0644)
                .file(HOME + "/bin/java", ElfBuilder.x86_64().interpreter(LDSO).needed("libz.so.1", "libjli.so", "libc.so.6")
                        .rpath("$ORIGIN:$ORIGIN/../lib").flags1(ElfFile.DF_1_PIE).build(), 0755)
                .file(HOME + "/lib/libjli.so", lib("libjli.so", "$ORIGIN", "libz.so.1", "libc.so.6"), 0644)
                .file(HOME + "/lib/server/libjvm.so", lib("libjvm.so", null, "libc.so.6"), 0644)
                .file(HOME + "/lib/libjava.so", lib("libjava.so", "$ORIGIN", "libjvm.so", "libc.so.6"), 0644)
                .file(HOME + "/lib/libnio.so", lib("libnio.so", "$ORIGIN", "libjava.so", "libjvm.so", "libc.so.6"), 0644)
                .symlink("/usr/bin/java", HOME + "/bin/java");
    }

    static byte[] lib(String soname, String rpath, String... needed) {
        ElfBuilder b = ElfBuilder.x86_64().soname(soname).needed(needed);
        return (rpath == null ? b : b.rpath(rpath)).build();
    }

    static StaticCheck elfCheck(MemoryFileSystem fs) {
        return new StaticChecker().check(fs, new ImageConfig(List.of("/usr/bin/java"), List.of("-version"), "65532",
                List.of("PATH=/usr/bin"), List.of(), "/", null, null, null)).checks().get(0);
    }

    @Test
    void findsTheHomeByItsLauncherAndItsJvm() {
        assertThat(JvmHome.find(jre().build())).containsExactly(new JvmHome(HOME, HOME + "/lib/server/libjvm.so"));
        assertThat(JvmHome.find(jre().build()).get(0).launcher()).isEqualTo(HOME + "/bin/java");
        // A libjvm.so without a launcher beside it is not a JVM home.
        assertThat(JvmHome.find(MemoryFileSystem.builder().file("/opt/x/lib/server/libjvm.so", new byte[0], 0644).build()))
                .isEmpty();
    }

    @Test
    void aLibraryOfTheHomeIsResolvedWithTheJvmLoadedFirstAndOnlyThen() {
        JvmHome home = JvmHome.find(jre().build()).get(0);
        assertThat(home.preloadedFor(HOME + "/lib/libnio.so")).containsExactly(HOME + "/lib/server/libjvm.so");
        assertThat(home.preloadedFor(HOME + "/lib/server/libjvm.so")).isEmpty();
        assertThat(home.preloadedFor(MULTI + "/libz.so.1")).isEmpty();

        ElfDependencyResolver resolver = new ElfDependencyResolver(jre().build());
        ElfResolution alone = resolver.resolve(HOME + "/lib/libjava.so");
        assertThat(alone.unresolved()).extracting(ElfResolution.Unresolved::name).containsExactly("libjvm.so");
        ElfResolution hosted = resolver.resolve(HOME + "/lib/libjava.so", home.preloadedFor(HOME + "/lib/libjava.so"));
        assertThat(hosted.unresolved()).isEmpty();
        assertThat(hosted.resolved()).containsEntry("libjvm.so", HOME + "/lib/server/libjvm.so");
        assertThat(hosted.closure()).contains(HOME + "/lib/server/libjvm.so", MULTI + "/libc.so.6");
    }

    @Test
    void theStaticCheckPassesAJvmAndStillFailsOneWithoutItsJvm() {
        StaticCheck complete = elfCheck(jre().build());
        assertThat(complete.findings()).isEmpty();
        assertThat(complete.passed()).isTrue();

        MemoryFileSystem.Builder broken = MemoryFileSystem.builder()
                .file(MULTI + "/ld-linux-x86-64.so.2", ElfBuilder.x86_64().soname("ld-linux-x86-64.so.2").build(), 0755)
                .symlink(LDSO, MULTI + "/ld-linux-x86-64.so.2")
                .file(MULTI + "/libc.so.6", lib("libc.so.6", null, "ld-linux-x86-64.so.2"), 0755)
                .file(HOME + "/lib/libjava.so", lib("libjava.so", "$ORIGIN", "libjvm.so", "libc.so.6"), 0644);
        StaticCheck failed = elfCheck(broken.build());
        assertThat(failed.passed()).isFalse();
        assertThat(failed.findings()).extracting(CheckFinding::subject).contains("libjvm.so");
    }
}
