package dev.distill.engine.packages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.MemoryFileSystem;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** apk's installed database for what a result carries, and read back by the same reader the analysis uses. */
class ApkRecordsTest {

    private static MemoryFileSystem alpineImage() {
        return MemoryFileSystem.builder()
                .directory("/lib", 0755).file("/lib/ld-musl-x86_64.so.1", "musl")
                .symlink("/lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
                .directory("/bin", 0755).file("/bin/busybox", "busybox")
                .directory("/etc", 0755).file("/etc/securetty", "console\n")
                .directory("/lib/apk", 0755).directory("/lib/apk/db", 0755)
                .file("/lib/apk/db/installed", PackageDatabaseReaderTest.INSTALLED)
                .build();
    }

    @Test
    void carriedPackagesKeepTheirRecordAndOnlyTheirCarriedFiles() throws Exception {
        PackageInventory inventory = PackageDatabaseReaderTest.read(alpineImage());
        List<CarriedPackage> carried = CarriedPackage.of(inventory, Set.of("/lib/ld-musl-x86_64.so.1", "/bin/busybox"));

        String installed = ApkRecords.installed(carried);

        assertThat(installed).isEqualTo("""
                C:Q1abc=
                P:musl
                V:1.2.4-r2
                A:x86_64
                S:383152
                I:622592
                T:the musl c library (libc) implementation
                L:MIT
                o:musl
                f:f
                F:lib
                R:ld-musl-x86_64.so.1
                a:0:0:755
                Z:Q1aaaaaaaaaaaaaaaaaaaaaaaaaaa=

                C:Q1def=
                P:busybox
                V:1.36.1-r15
                A:x86_64
                L:GPL-2.0-only AND BSD-2-Clause
                o:busybox
                r:busybox-initscripts
                f:f
                F:bin
                M:0:0:755
                R:busybox
                a:0:0:755
                Z:Q1ccccccccccccccccccccccccccc=

                """);
    }

    @Test
    void theWrittenDatabaseReadsBackToTheCarriedFiles() throws Exception {
        PackageInventory inventory = PackageDatabaseReaderTest.read(alpineImage());
        String installed = ApkRecords.installed(CarriedPackage.of(inventory, Set.of("/lib/ld-musl-x86_64.so.1",
                "/lib/libc.musl-x86_64.so.1")));
        MemoryFileSystem result = MemoryFileSystem.builder()
                .directory("/lib", 0755).file("/lib/ld-musl-x86_64.so.1", "musl")
                .symlink("/lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
                .directory("/lib/apk", 0755).directory("/lib/apk/db", 0755).file("/lib/apk/db/installed", installed)
                .build();
        PackageDatabaseReader reader = new PackageDatabaseReader();
        result.readAll(result.entries().filter(FileEntry::isRegular).toList(), reader.visitor());

        PackageInventory again = reader.inventory(result);

        assertThat(again.problems()).isEmpty();
        assertThat(again.packages()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("musl");
            assertThat(p.record()).doesNotContain("f:f").as("every file of musl is carried");
            assertThat(p.files()).isEqualTo(inventory.packages().get(0).files());
        });
    }

    @Test
    void anotherManagersPackageIsRefused() throws Exception {
        PackageInventory dpkg = PackageDatabaseReaderTest.read(PackageDatabaseReaderTest.debianImage());
        List<CarriedPackage> carried = CarriedPackage.of(dpkg, Set.of("/etc/nginx/nginx.conf"));
        assertThatThrownBy(() -> ApkRecords.installed(carried)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nginx-common=1.22.1-9").hasMessageContaining("DPKG");
    }
}
