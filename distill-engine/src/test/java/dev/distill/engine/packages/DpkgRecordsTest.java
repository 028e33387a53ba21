package dev.distill.engine.packages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The status.d records of carried packages, as text and as dpkg itself reads them. */
class DpkgRecordsTest {

    @TempDir
    Path dir;

    private static PackageInventory inventory() throws Exception {
        return PackageDatabaseReaderTest.read(PackageDatabaseReaderTest.debianImage());
    }

    @Test
    void aPartlyCarriedPackageSaysSoAndListsOnlyWhatIsCarried() throws Exception {
        PackageInventory inventory = inventory();
        List<CarriedPackage> carried = CarriedPackage.of(inventory, Set.of("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
                "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/share/doc/libz1/copyright", "/etc/nginx/nginx.conf"));

        assertThat(carried).extracting(c -> c.installed().name()).containsExactly("libz1", "nginx-common");
        CarriedPackage zlib = carried.get(0);
        assertThat(zlib.partial()).isFalse();
        assertThat(DpkgRecords.record(zlib)).isEqualTo(zlib.installed().record() + "\n");
        assertThat(DpkgRecords.md5sums(zlib)).isEqualTo("11111111111111111111111111111111  lib/x86_64-linux-gnu/libz.so.1.2.13\n"
                + "22222222222222222222222222222222  usr/share/doc/libz1/copyright\n");

        CarriedPackage nginx = carried.get(1);
        assertThat(nginx.partial()).isTrue();
        String record = DpkgRecords.record(nginx);
        assertThat(record).isEqualTo("""
                Package: nginx-common
                Status: install ok installed
                Maintainer: Debian Nginx Maintainers <pkg-nginx-maintainers@alioth-lists.debian.net>
                Architecture: all
                Version: 1.22.1-9
                Conffiles:
                 /etc/nginx/nginx.conf 0123456789abcdef0123456789abcdef
                Description: nginx shared files
                Distill-Partial: 1 of 2 files carried
                """);
        assertThat(DpkgRecords.md5sums(nginx)).as("conffiles have no md5sums line").isNull();
        assertThat(DpkgRecords.recordPath(nginx.installed())).isEqualTo("/var/lib/dpkg/status.d/nginx-common");
        // Written again from its own record (a source that is itself a result), the count is made anew.
        InstalledPackage again = new InstalledPackage(PackageManager.DPKG, "nginx-common", "1.22.1-9", "all", null, null,
                List.of(), record, "/var/lib/dpkg/status.d/nginx-common", nginx.installed().files(), null, null);
        assertThat(DpkgRecords.record(new CarriedPackage(again, nginx.carried()))).containsOnlyOnce("Distill-Partial:");
    }

    @Test
    void dpkgReadsTheRecordsAsAStatusFileAndVerifiesWhatIsCarried() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/dpkg-query")) && Files.isExecutable(Path.of("/usr/bin/dpkg")),
                "dpkg is needed");
        PackageInventory inventory = inventory();
        // libz1's library (and its link) is carried, its copyright is not: partial.
        List<CarriedPackage> carried = CarriedPackage.of(inventory, Set.of("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13",
                "/usr/lib/x86_64-linux-gnu/libz.so.1", "/etc/nginx/nginx.conf"));
        Path root = dir.resolve("root");
        Path admin = root.resolve("var/lib/dpkg");
        Files.createDirectories(admin.resolve("info"));
        Files.createDirectories(admin.resolve("updates"));
        StringBuilder status = new StringBuilder();
        for (CarriedPackage c : carried) {
            status.append(DpkgRecords.record(c)).append('\n');
            String md5sums = DpkgRecords.md5sums(c);
            // What a scanner does with status.d: the record's files are those its md5sums names.
            List<String> list = new ArrayList<>(List.of("/."));
            for (PackageFile f : c.carried()) {
                list.add(f.databasePath());
            }
            Files.writeString(admin.resolve("info/" + c.installed().name() + ".list"), String.join("\n", list) + "\n");
            if (md5sums != null) {
                Files.writeString(admin.resolve("info/" + c.installed().name() + ".md5sums"), md5sums);
            }
        }
        Files.writeString(admin.resolve("status"), status.toString());
        // The carried file with the content its md5sums line names (the fixture's md5 is of these bytes' stand-in).
        Path lib = root.resolve("lib/x86_64-linux-gnu/libz.so.1.2.13");
        Files.createDirectories(lib.getParent());
        Files.writeString(lib, "ELF-ish bytes");
        Files.createSymbolicLink(lib.resolveSibling("libz.so.1"), Path.of("libz.so.1.2.13"));
        Files.writeString(admin.resolve("info/libz1.md5sums"), md5("ELF-ish bytes") + "  lib/x86_64-linux-gnu/libz.so.1.2.13\n");

        String listed = run(List.of("dpkg-query", "--admindir=" + admin, "-W", "-f",
                "${Package} ${Version} ${db:Status-Abbrev}${source:Package} [${Distill-Partial}]\\n"));
        assertThat(listed).isEqualTo("libz1 1:1.2.13.dfsg-1+b1 ii zlib [2 of 3 files carried]\n"
                + "nginx-common 1.22.1-9 ii nginx-common [1 of 2 files carried]\n");
        // Only carried files are listed, so dpkg finds nothing missing; the copyright left behind is not claimed.
        assertThat(run(List.of("dpkg", "--root=" + root, "--verify", "libz1"))).isEmpty();
        Files.writeString(admin.resolve("info/libz1.list"), "/.\n/lib/x86_64-linux-gnu/libz.so.1.2.13\n"
                + "/usr/share/doc/libz1/copyright\n");
        Files.writeString(admin.resolve("info/libz1.md5sums"), md5("ELF-ish bytes") + "  lib/x86_64-linux-gnu/libz.so.1.2.13\n"
                + "22222222222222222222222222222222  usr/share/doc/libz1/copyright\n");
        assertThat(run(List.of("dpkg", "--root=" + root, "--verify", "libz1")))
                .as("had the whole package been claimed, dpkg would report the file that is not there")
                .contains("missing").contains("/usr/share/doc/libz1/copyright");
    }

    private static String md5(String text) throws Exception {
        byte[] d = java.security.MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
        return java.util.HexFormat.of().formatHex(d);
    }

    /** Runs a dpkg tool; what it prints, with what it warns about (a record dpkg finds wrong fails the test). */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(out).as(String.join(" ", command)).doesNotContain("warning");
        return out;
    }
}
