package dev.distill.engine.packages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.MemoryFileSystem;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PackageDatabaseReaderTest {

    static final String STATUS = """
            Package: libz1
            Status: install ok installed
            Priority: optional
            Installed-Size: 160
            Maintainer: Mark Brown <broonie@debian.org>
            Architecture: amd64
            Multi-Arch: same
            Source: zlib (1:1.2.13.dfsg-1)
            Version: 1:1.2.13.dfsg-1+b1
            Description: compression library
             a long description

            Package: nginx-common
            Status: install ok installed
            Maintainer: Debian Nginx Maintainers <pkg-nginx-maintainers@alioth-lists.debian.net>
            Architecture: all
            Version: 1.22.1-9
            Conffiles:
             /etc/nginx/nginx.conf 0123456789abcdef0123456789abcdef
             /etc/nginx/mime.types fedcba9876543210fedcba9876543210
            Description: nginx shared files

            Package: removed-long-ago
            Status: purge ok not-installed
            Architecture: amd64
            Version: 0.1

            Architecture: amd64
            Description: a broken stanza without a name
            """;

    static final String DEP5 = """
            Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
            Upstream-Name: zlib

            Files: *
            Copyright: 1995-2022 Jean-loup Gailly and Mark Adler
            License: Zlib

            Files: debian/*
            License: GPL-2+
             This package is free software.

            License: Zlib
             The full text.
            """;

    /** A usr-merged image: the lists name /lib/..., the files are under /usr/lib. */
    static MemoryFileSystem debianImage() {
        return MemoryFileSystem.builder()
                .directory("/usr", 0755).directory("/usr/lib", 0755).directory("/usr/lib/x86_64-linux-gnu", 0755)
                .symlink("/lib", "usr/lib")
                .file("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "ELF-ish bytes")
                .symlink("/usr/lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13")
                .directory("/usr/share", 0755).directory("/usr/share/doc", 0755).directory("/usr/share/doc/libz1", 0755)
                .file("/usr/share/doc/libz1/copyright", DEP5)
                .directory("/usr/share/doc/nginx-common", 0755)
                .file("/usr/share/doc/nginx-common/copyright", "This is free-form text.\nLicense: BSD-2-clause\n")
                .directory("/etc", 0755).directory("/etc/nginx", 0755)
                .file("/etc/nginx/nginx.conf", "user www-data;\n")
                .directory("/var", 0755).directory("/var/lib", 0755).directory("/var/lib/dpkg", 0755)
                .directory("/var/lib/dpkg/info", 0755)
                .file("/var/lib/dpkg/status", STATUS)
                .file("/var/lib/dpkg/info/libz1:amd64.list", "/.\n/lib\n/lib/x86_64-linux-gnu\n"
                        + "/lib/x86_64-linux-gnu/libz.so.1\n/lib/x86_64-linux-gnu/libz.so.1.2.13\n/usr/share/doc/libz1\n"
                        + "/usr/share/doc/libz1/copyright\n/usr/share/doc/libz1/changelog.gz\n")
                .file("/var/lib/dpkg/info/libz1:amd64.md5sums", "11111111111111111111111111111111  lib/x86_64-linux-gnu/libz.so.1.2.13\n"
                        + "22222222222222222222222222222222  usr/share/doc/libz1/copyright\nnot an md5 line\n")
                .file("/var/lib/dpkg/info/nginx-common.list", "/.\n/etc\n/etc/nginx\n/etc/nginx/nginx.conf\n"
                        + "/etc/nginx/mime.types\n/usr/share/doc/nginx-common/copyright\n")
                .build();
    }

    static PackageInventory read(MemoryFileSystem fs) throws Exception {
        PackageDatabaseReader reader = new PackageDatabaseReader();
        fs.readAll(fs.entries().filter(FileEntry::isRegular).toList(), reader.visitor());
        return reader.inventory(fs);
    }

    @Test
    void dpkgPackagesOwnTheFilesTheirListsNameWhereTheImageHasThem() throws Exception {
        PackageInventory inventory = read(debianImage());

        assertThat(inventory.manager()).isEqualTo(PackageManager.DPKG);
        assertThat(inventory.sources()).containsExactly("/var/lib/dpkg/status");
        assertThat(inventory.packages()).extracting(InstalledPackage::name).containsExactly("libz1", "nginx-common");
        InstalledPackage zlib = inventory.packages().get(0);
        assertThat(zlib.version()).isEqualTo("1:1.2.13.dfsg-1+b1");
        assertThat(zlib.source()).isEqualTo("zlib");
        assertThat(zlib.sourceVersion()).isEqualTo("1:1.2.13.dfsg-1");
        assertThat(zlib.architecture()).isEqualTo("amd64");
        // Found through the /lib -> usr/lib link, named by where they are; changelog.gz is not in the image.
        assertThat(zlib.files()).extracting(PackageFile::path).containsExactly("/usr/lib/x86_64-linux-gnu/libz.so.1",
                "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "/usr/share/doc/libz1/copyright");
        assertThat(zlib.files().get(1).listed()).isEqualTo("/lib/x86_64-linux-gnu/libz.so.1.2.13");
        assertThat(zlib.files().get(1).checksum()).isEqualTo("11111111111111111111111111111111");
        assertThat(zlib.files().get(1).size()).isEqualTo("ELF-ish bytes".length());
        assertThat(zlib.files().get(0).checksum()).as("a symlink has no md5").isNull();
        assertThat(zlib.files().get(2).listed()).isNull();
        assertThat(zlib.licenses()).containsExactly("Zlib", "GPL-2+");
        assertThat(zlib.copyright()).isEqualTo("/usr/share/doc/libz1/copyright");
        assertThat(zlib.record()).startsWith("Package: libz1\nStatus: install ok installed\n").endsWith(" a long description");
        assertThat(zlib.recordPath()).isEqualTo("/var/lib/dpkg/status");

        InstalledPackage nginx = inventory.packages().get(1);
        assertThat(nginx.files()).extracting(PackageFile::path)
                .containsExactly("/etc/nginx/nginx.conf", "/usr/share/doc/nginx-common/copyright");
        assertThat(nginx.licenses()).as("a free-form copyright file declares nothing a program can read").isEmpty();
        assertThat(inventory.problems()).anyMatch(p -> p.contains("without Package or Version"))
                .anyMatch(p -> p.contains("md5sums line(s) of libz1"));
        assertThat(inventory.owners().get("/usr/lib/x86_64-linux-gnu/libz.so.1")).containsExactly(zlib);
    }

    @Test
    void distrolessRecordsListTheirFilesInTheirMd5sums() throws Exception {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .directory("/lib", 0755).file("/lib/libc.so.6", "libc")
                .directory("/var", 0755).directory("/var/lib", 0755).directory("/var/lib/dpkg", 0755)
                .directory("/var/lib/dpkg/status.d", 0755)
                .file("/var/lib/dpkg/status.d/libc6", "Package: libc6\nVersion: 2.36-9+deb12u7\nArchitecture: amd64\n"
                        + "Source: glibc\n")
                .file("/var/lib/dpkg/status.d/libc6.md5sums", "33333333333333333333333333333333  lib/libc.so.6\n"
                        + "44444444444444444444444444444444  lib/gone.so\n")
                .build();

        PackageInventory inventory = read(fs);

        assertThat(inventory.manager()).isEqualTo(PackageManager.DPKG);
        assertThat(inventory.sources()).containsExactly("/var/lib/dpkg/status.d/libc6");
        assertThat(inventory.packages()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("libc6");
            assertThat(p.source()).isEqualTo("glibc");
            assertThat(p.sourceVersion()).isNull();
            assertThat(p.files()).extracting(PackageFile::path, PackageFile::checksum)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("/lib/libc.so.6", "33333333333333333333333333333333"));
        });
    }

    static final String INSTALLED = """
            C:Q1abc=
            P:musl
            V:1.2.4-r2
            A:x86_64
            S:383152
            I:622592
            T:the musl c library (libc) implementation
            L:MIT
            o:musl
            F:lib
            R:ld-musl-x86_64.so.1
            a:0:0:755
            Z:Q1aaaaaaaaaaaaaaaaaaaaaaaaaaa=
            R:libc.musl-x86_64.so.1
            Z:Q1bbbbbbbbbbbbbbbbbbbbbbbbbbb=

            C:Q1def=
            P:busybox
            V:1.36.1-r15
            A:x86_64
            L:GPL-2.0-only AND BSD-2-Clause
            o:busybox
            r:busybox-initscripts
            F:bin
            M:0:0:755
            R:busybox
            a:0:0:755
            Z:Q1ccccccccccccccccccccccccccc=
            F:etc
            R:securetty

            P:orphan
            """;

    @Test
    void apkRecordsOwnTheirFilesAndDeclareTheirLicences() throws Exception {
        MemoryFileSystem fs = MemoryFileSystem.builder()
                .directory("/lib", 0755).file("/lib/ld-musl-x86_64.so.1", "musl")
                .symlink("/lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
                .directory("/bin", 0755).file("/bin/busybox", "busybox")
                .directory("/lib/apk", 0755).directory("/lib/apk/db", 0755).file("/lib/apk/db/installed", INSTALLED)
                .build();

        PackageInventory inventory = read(fs);

        assertThat(inventory.manager()).isEqualTo(PackageManager.APK);
        assertThat(inventory.packages()).extracting(InstalledPackage::name).containsExactly("musl", "busybox");
        InstalledPackage musl = inventory.packages().get(0);
        assertThat(musl.licenses()).containsExactly("MIT");
        assertThat(musl.files()).extracting(PackageFile::path).containsExactly("/lib/ld-musl-x86_64.so.1",
                "/lib/libc.musl-x86_64.so.1");
        assertThat(musl.files().get(0).attributes()).isEqualTo("0:0:755");
        assertThat(musl.files().get(0).checksum()).isEqualTo("Q1aaaaaaaaaaaaaaaaaaaaaaaaaaa=");
        assertThat(musl.record()).startsWith("C:Q1abc=\nP:musl\n").doesNotContain("F:").doesNotContain("R:");
        InstalledPackage busybox = inventory.packages().get(1);
        assertThat(busybox.licenses()).containsExactly("GPL-2.0-only AND BSD-2-Clause");
        assertThat(busybox.directories()).containsOnly(Map.entry("bin", "0:0:755"), Map.entry("etc", ""));
        assertThat(busybox.files()).extracting(PackageFile::path).containsExactly("/bin/busybox");
        assertThat(busybox.record()).contains("r:busybox-initscripts\n");
        assertThat(inventory.problems()).anyMatch(p -> p.contains("without P: or V:"));
    }

    @Test
    void aDatabaseFileAnUpperLayerReplacedIsForgotten() throws Exception {
        MemoryFileSystem fs = debianImage();
        PackageDatabaseReader reader = new PackageDatabaseReader();
        fs.readAll(fs.entries().filter(FileEntry::isRegular).toList(), reader.visitor());
        reader.forget("/var/lib/dpkg/info/libz1:amd64.list");

        InstalledPackage zlib = reader.inventory(fs).packages().get(0);

        assertThat(zlib.files()).as("without its list, a package is known by its md5sums (no symlinks there)")
                .extracting(PackageFile::path)
                .containsExactlyInAnyOrder("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "/usr/share/doc/libz1/copyright");
    }

    @Test
    void anImageWithoutADatabaseHasNoPackages() throws Exception {
        assertThat(read(MemoryFileSystem.builder().directory("/etc", 0755).file("/etc/passwd", "root:x:0:0::/:/x\n").build()))
                .isEqualTo(PackageInventory.NONE);
        assertThat(DebianCopyright.licenses("")).isEmpty();
        assertThat(ApkDatabase.licenses("MIT BSD GPL2+")).containsExactly("MIT", "BSD", "GPL2+");
        assertThat(List.of(PackageDatabaseReader.reads("/usr/share/doc/x/copyright"),
                PackageDatabaseReader.reads("/usr/share/doc/x/y/copyright"), PackageDatabaseReader.reads("/var/lib/dpkg/info/x.list"),
                PackageDatabaseReader.reads("/var/lib/dpkg/info/x.postinst"))).containsExactly(true, false, true, false);
    }
}
