package dev.distill.engine.verify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.testing.FixtureImages;
import org.junit.jupiter.api.Test;

/**
 * The source Debian PHP fixture, a whole glibc system with about 500 shared objects: the loader rules raise no
 * false alarm, while the shell, package manager, setuid files and root user are caught.
 */
class DebianPhpStaticCheckTest {

    @Test
    void aFullDebianImageLoadsEverythingButIsNotDistroless() throws Exception {
        FixtureImages.Built built = FixtureImages.build("debian-php");
        OciLayout.LayoutImage image = OciLayout.open(built.layout()).image(built.tag());
        StaticReport report = new StaticChecker().check(LayeredFileSystem.build(image.layers(), image.blobs()),
                image.config());
        // One true alarm: iproute2's tc plugin for ATM needs libatm1, which Debian only recommends and the
        // fixture does not install (the image's own ld.so --list in a chroot says the same). Every other object loads.
        assertThat(report.check(StaticChecker.ELF_DEPENDENCIES).orElseThrow().findings()).singleElement()
                .satisfies(f -> {
                    assertThat(f.path()).isEqualTo("/usr/lib/x86_64-linux-gnu/tc/q_atm.so");
                    assertThat(f.subject()).isEqualTo("libatm.so.1");
                    assertThat(f.layer()).startsWith("sha256:");
                });
        assertThat(report.check(StaticChecker.NO_SETUID).orElseThrow().findings()).extracting(CheckFinding::path)
                .contains("/usr/bin/chfn");
        assertThat(report.check(StaticChecker.NON_ROOT_USER).orElseThrow().passed()).isFalse();
        assertThat(report.check(StaticChecker.NO_SHELL).orElseThrow().findings()).extracting(CheckFinding::path)
                .contains("/bin/sh", "/bin/bash");
        assertThat(report.check(StaticChecker.NO_PACKAGE_MANAGER).orElseThrow().findings()).extracting(CheckFinding::path)
                .contains("/usr/bin/dpkg");
    }
}
