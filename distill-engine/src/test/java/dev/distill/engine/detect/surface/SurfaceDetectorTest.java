package dev.distill.engine.detect.surface;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.detect.Detection;
import dev.distill.engine.detect.DetectionContext;
import dev.distill.engine.detect.Finding;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class SurfaceDetectorTest {

    static final byte[] ELF = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};

    static final String APK_DB = """
            C:Q1abc=
            P:musl
            V:1.2.5-r0
            A:x86_64

            C:Q1def=
            P:busybox
            V:1.36.1-r29

            C:Q1ghi=
            P:apk-tools
            V:2.14.4-r0
            """;

    static final String DPKG_STATUS = """
            Package: libc6
            Status: install ok installed
            Version: 2.36-9

            Package: gcc-12
            Status: install ok installed

            Package: removed-thing
            Status: deinstall ok config-files
            """;

    @Test
    void alpineImageInventory() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\n")
                .file("/lib/ld-musl-x86_64.so.1", ELF, 0755)
                .file("/bin/busybox", ELF, 0755)
                .symlink("/bin/sh", "/bin/busybox")
                .symlink("/usr/bin/wget", "/bin/busybox")
                .file("/sbin/apk", ELF, 0755)
                .file("/usr/bin/php83", ELF, 0755)
                .file("/usr/sbin/php-fpm83", ELF, 0755)
                .file("/usr/bin/python3.12", ELF, 0755)
                .file("/usr/bin/gcc", ELF, 0755)
                .file("/bin/bbsuid", ELF, 04755)
                .file("/usr/bin/wall", ELF, 02755)
                .file("/lib/apk/db/installed", APK_DB)
                .build();
        ImageConfig cfg = new ImageConfig(List.of(), List.of("php-fpm83", "-F"), "", List.of(), null, "", null, null, null);
        Detection<SurfaceResult> d = new SurfaceDetector().detect(new DetectionContext(fs, cfg));
        SurfaceResult r = d.result();

        assertThat(r.os()).isEqualTo(new SurfaceResult.Os("alpine", "3.20.3", "Alpine Linux v3.20", "/etc/os-release"));
        assertThat(r.libc().kind()).isEqualTo(SurfaceResult.LibcKind.MUSL);
        assertThat(r.libc().loaders()).containsExactly("/lib/ld-musl-x86_64.so.1");
        assertThat(r.packages().apk()).isEqualTo(3);
        assertThat(r.packages().dpkg()).isEqualTo(-1);
        assertThat(r.packages().names()).containsExactly("musl", "busybox", "apk-tools");

        assertThat(r.items(SurfaceResult.Category.SHELL)).extracting(SurfaceResult.Item::path).containsExactly("/bin/busybox", "/bin/sh");
        assertThat(r.items(SurfaceResult.Category.SHELL).get(1).target()).isEqualTo("/bin/busybox");
        assertThat(r.items(SurfaceResult.Category.PACKAGE_MANAGER)).extracting(SurfaceResult.Item::path).containsExactly("/sbin/apk");
        assertThat(r.items(SurfaceResult.Category.NETWORK_TOOL)).extracting(SurfaceResult.Item::path).containsExactly("/usr/bin/wget");
        assertThat(r.items(SurfaceResult.Category.COMPILER)).extracting(SurfaceResult.Item::path).containsExactly("/usr/bin/gcc");
        assertThat(r.items(SurfaceResult.Category.INTERPRETER)).extracting(SurfaceResult.Item::path)
                .containsExactly("/usr/bin/php83", "/usr/bin/python3.12");
        assertThat(r.items(SurfaceResult.Category.SETUID)).extracting(SurfaceResult.Item::path).containsExactly("/bin/bbsuid");
        assertThat(r.items(SurfaceResult.Category.SETGID)).extracting(SurfaceResult.Item::path).containsExactly("/usr/bin/wall");

        assertThat(d.findings(Finding.Kind.WARNING)).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/bin/bbsuid");
            assertThat(f.layer()).isEqualTo("memory");
            assertThat(f.reason()).contains("setuid file /bin/bbsuid (mode 4755, owner 0:0)");
        });
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/lib/apk/db/installed");
            assertThat(f.reason()).isEqualTo("3 apk packages installed");
        });
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/etc/os-release");
            assertThat(f.reason()).contains("Alpine Linux v3.20");
        });
    }

    @Test
    void debianAndDistrolessPackageDatabasesAndGlibc() {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .file("/usr/lib/os-release", "PRETTY_NAME=\"Distroless\"\nID=debian\nVERSION_ID=\"12\"\n")
                .symlink("/etc/os-release", "../usr/lib/os-release")
                .file("/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", ELF, 0755)
                .symlink("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")
                .file("/var/lib/dpkg/status", DPKG_STATUS)
                .file("/var/lib/dpkg/status.d/base-files", "Package: base-files\nVersion: 12.4\n")
                .file("/var/lib/dpkg/status.d/base-files.md5sums", "abc  etc/issue\n")
                .file("/var/lib/dpkg/status.d/tzdata", "Package: tzdata\nVersion: 2024a\n")
                .build();
        Detection<SurfaceResult> d = new SurfaceDetector().detect(new DetectionContext(fs, ImageConfig.EMPTY));
        SurfaceResult r = d.result();
        assertThat(r.os().id()).isEqualTo("debian");
        assertThat(r.os().versionId()).isEqualTo("12");
        assertThat(r.os().prettyName()).isEqualTo("Distroless");
        assertThat(r.libc().kind()).isEqualTo(SurfaceResult.LibcKind.GLIBC);
        assertThat(r.packages().dpkg()).isEqualTo(4);
        assertThat(r.packages().dpkgSources()).containsExactly("/var/lib/dpkg/status", "/var/lib/dpkg/status.d/base-files",
                "/var/lib/dpkg/status.d/tzdata");
        assertThat(r.packages().names()).containsExactly("libc6", "gcc-12", "base-files", "tzdata");
        assertThat(r.items()).isEmpty();
        assertThat(d.findings()).anySatisfy(f -> {
            assertThat(f.path()).isEqualTo("/var/lib/dpkg/status");
            assertThat(f.reason()).isEqualTo("4 dpkg packages installed (from 3 files)");
        });
    }
}
