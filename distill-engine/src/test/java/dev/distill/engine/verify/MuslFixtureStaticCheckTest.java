package dev.distill.engine.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.DirectoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.testing.FixtureImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The static checks on the real musl fixture (an Alpine-layout program with its own library and a dlopened
 * plugin, on a busybox base): as a distroless result would carry it, and broken on purpose.
 */
class MuslFixtureStaticCheckTest {

    static FixtureImages.Built built;
    static ImageConfig config;

    @TempDir
    Path dir;

    @BeforeAll
    static void fixture() throws Exception {
        built = FixtureImages.build("musl-plugin");
        config = OciLayout.open(built.layout()).image(built.tag()).config();
    }

    @Test
    void theProgramWithEveryLibraryAndNoShellPassesEveryCheck() throws Exception {
        Path root = copyWithout(Set.of("/bin"));
        StaticReport report = new StaticChecker().check(new DirectoryFileSystem(root), config);
        assertThat(report.failed()).isEmpty();
        assertThat(report.passed()).isTrue();
    }

    @Test
    void removingTheProgramsLibraryFailsTheElfCheckNamingProgramAndSoname() throws Exception {
        Path root = copyWithout(Set.of("/bin", "/usr/local/lib/libgreet.so.1"));
        StaticReport report = new StaticChecker().check(new DirectoryFileSystem(root), config);
        assertThat(report.failed()).extracting(StaticCheck::name)
                .containsExactly(StaticChecker.ELF_DEPENDENCIES, StaticChecker.ENTRYPOINT);
        assertThat(report.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow().findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/usr/local/bin/greeter");
            assertThat(f.subject()).isEqualTo("libgreet.so.1");
        });
    }

    @Test
    void removingTheMuslLoaderFailsEveryProgramAndThePlugin() throws Exception {
        Path root = copyWithout(Set.of("/bin", "/lib/ld-musl-x86_64.so.1"));
        StaticCheck elf = new StaticChecker().check(new DirectoryFileSystem(root), config)
                .check(StaticChecker.ELF_DEPENDENCIES).orElseThrow();
        assertThat(elf.findings()).extracting(CheckFinding::path)
                .contains("/usr/local/bin/greeter", "/usr/local/lib/greeter/plugins/shout.so");
    }

    @Test
    void theSourceImageAsLayeredFailsOnItsBusyboxShellNamingTheBaseLayer() throws Exception {
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        LayeredFileSystem fs = LayeredFileSystem.build(image.layers(), image.blobs());
        StaticReport report = new StaticChecker().check(fs, image.config());
        assertThat(report.failed()).extracting(StaticCheck::name).containsExactly(StaticChecker.NO_SHELL);
        assertThat(report.check(StaticChecker.NO_SHELL).orElseThrow().findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/bin/sh");
            assertThat(f.subject()).isEqualTo("sh");
            assertThat(f.layer()).isEqualTo(image.layers().get(0).digest().toString());
        });
    }

    @Test
    void runningTheFixtureAsRootFailsTheUserCheck() throws Exception {
        ImageConfig asRoot = new ImageConfig(config.entrypoint(), config.cmd(), "root", config.env(),
                config.exposedPorts(), config.workingDir(), null, config.labels(), config.volumes());
        StaticReport report = new StaticChecker().check(new DirectoryFileSystem(copyWithout(Set.of("/bin"))), asRoot);
        assertThat(report.failed()).extracting(StaticCheck::name).containsExactly(StaticChecker.NON_ROOT_USER);
    }

    /** Copies the fixture's rootfs (links as links) leaving out the given paths and everything below them. */
    private Path copyWithout(Set<String> left) throws IOException {
        Path from = built.rootfs();
        Path to = dir.resolve("rootfs");
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                String image = "/" + from.relativize(p);
                if (left.stream().anyMatch(l -> image.equals(l) || image.startsWith(l + "/"))) {
                    continue;
                }
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return to;
    }
}
