package dev.distill.engine.debian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.testing.DebFile;
import dev.distill.engine.testing.TarWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Packages built by the real dpkg-deb in every compression it writes, and hand-made hostile ones. */
class DebianPackageTest {

    private static final String CONTROL = """
            Package: tiny
            Version: 1:2.0-1
            Architecture: all
            Maintainer: Distill Tests <tests@example.org>
            Installed-Size: 1
            Description: a tiny package
             built by dpkg-deb in a test,
             with a two-line long description
            """;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"xz", "zstd", "gzip", "none"})
    void readsWhatDpkgDebBuilds(String compression) throws Exception {
        Path deb = dpkgDeb(compression);

        DebianPackage pkg = DebianPackage.read(deb);

        assertThat(pkg.name()).isEqualTo("tiny");
        assertThat(pkg.version()).isEqualTo("1:2.0-1");
        assertThat(pkg.control().architecture()).isEqualTo("all");
        assertThat(pkg.control().text()).isEqualTo(CONTROL);
        assertThat(pkg.control().fields().keySet()).containsExactly("Package", "Version", "Architecture", "Maintainer",
                "Installed-Size", "Description");
        assertThat(pkg.control().field("description")).contains("a tiny package\n built by dpkg-deb in a test,\n with a two-line long description");
        assertThat(new String(pkg.md5sums().orElseThrow(), StandardCharsets.UTF_8))
                .isEqualTo("5a105e8b9d40e1329780d62ea2265d8a  usr/bin/tiny\n");

        Map<String, DataEntry> entries = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        pkg.walkData((entry, content) -> {
            entries.put(entry.path(), entry);
            contents.put(entry.path(), new String(content.readAllBytes(), StandardCharsets.UTF_8));
        });
        assertThat(entries.keySet()).containsExactly("/", "/etc", "/etc/tiny.conf", "/tmp", "/usr", "/usr/bin", "/usr/bin/tiny",
                "/usr/bin/tiny-link");
        assertThat(entries.get("/usr/bin/tiny")).isEqualTo(new DataEntry("/usr/bin/tiny", FileType.REGULAR, 0755, 0, 0, 5, ""));
        assertThat(contents.get("/usr/bin/tiny")).isEqualTo("test1");
        assertThat(contents.get("/etc/tiny.conf")).isEqualTo("answer=42\n");
        assertThat(entries.get("/tmp").mode()).isEqualTo(01777);
        assertThat(entries.get("/usr/bin/tiny-link").type()).isEqualTo(FileType.SYMLINK);
        assertThat(entries.get("/usr/bin/tiny-link").linkTarget()).isEqualTo("tiny");

        // The walk streams data.tar again each time: a second walk sees the same.
        List<String> again = new java.util.ArrayList<>();
        pkg.walkData((entry, content) -> again.add(entry.path()));
        assertThat(again).containsExactlyElementsOf(entries.keySet());
    }

    @Test
    void refusesAFileThatIsNotAnArArchive() throws Exception {
        Path deb = Files.write(dir.resolve("not-ar_1_all.deb"), "PK\3\4 a zip, not a deb".getBytes(StandardCharsets.US_ASCII));
        assertThatThrownBy(() -> DebianPackage.read(deb)).isInstanceOf(DebianPackageException.class)
                .hasMessage("Debian package not-ar_1_all.deb: not an ar archive (no '!<arch>' magic)");
    }

    @Test
    void refusesAMemberLongerThanTheFile() throws Exception {
        byte[] whole = DebFile.ar(Map.of("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII)));
        // Claim 4000 bytes for a member of 4.
        String text = new String(whole, StandardCharsets.ISO_8859_1).replace("4         `", "4000      `");
        Path deb = Files.write(dir.resolve("cut_1_all.deb"), text.getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> DebianPackage.read(deb)).isInstanceOf(DebianPackageException.class)
                .hasMessageContaining("cut_1_all.deb").hasMessageContaining("ar member 'debian-binary'").hasMessageContaining("(truncated)");
    }

    @Test
    void refusesMembersInTheWrongOrder() throws Exception {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        members.put("data.tar", new TarWriter().finish());
        members.put("control.tar", DebFile.controlTar(CONTROL));
        Path deb = Files.write(dir.resolve("order_1_all.deb"), DebFile.ar(members));
        assertThatThrownBy(() -> DebianPackage.read(deb)).isInstanceOf(DebianPackageException.class)
                .hasMessageContaining("order_1_all.deb").hasMessageContaining("[debian-binary, data.tar, control.tar]");
    }

    @Test
    void refusesAPathThatLeavesThePackageRoot() throws Exception {
        TarWriter data = new TarWriter();
        data.entry("./etc/../../../root/.ssh/authorized_keys", '0', 0644, 0, 0, "ssh-ed25519 AAAA".getBytes(StandardCharsets.US_ASCII), "");
        Path deb = handMade("escape_1_all.deb", data.finish());
        DebianPackage pkg = DebianPackage.read(deb);
        assertThatThrownBy(() -> pkg.walkData((e, c) -> { })).isInstanceOfSatisfying(DebianPackageException.class,
                e -> assertThat(e.entry()).isEqualTo("data.tar entry './etc/../../../root/.ssh/authorized_keys'"))
                .hasMessage("Debian package escape_1_all.deb, data.tar entry './etc/../../../root/.ssh/authorized_keys': "
                        + "path leaves the package root ('..')");
    }

    @Test
    void refusesAHardLinkToOutsideThePackage() throws Exception {
        TarWriter data = new TarWriter();
        data.entry("./etc/shadow-copy", '1', 0644, 0, 0, new byte[0], "../etc/shadow");
        DebianPackage pkg = DebianPackage.read(handMade("link_1_all.deb", data.finish()));
        assertThatThrownBy(() -> pkg.walkData((e, c) -> { })).isInstanceOf(DebianPackageException.class)
                .hasMessageContaining("link_1_all.deb, data.tar entry './etc/shadow-copy' (hard link target)")
                .hasMessageContaining("leaves the package root");
    }

    @Test
    void refusesDataOverItsBound() throws Exception {
        TarWriter data = new TarWriter();
        data.file("/usr/share/big", new byte[64 * 1024], 0644);
        DebianPackage pkg = DebianPackage.read(handMade("big_1_all.deb", data.finish()), new DebianPackage.Limits(1024 * 1024, 16 * 1024));
        assertThatThrownBy(() -> pkg.walkData((e, c) -> c.readAllBytes())).isInstanceOf(DebianPackageException.class)
                .hasMessageContaining("big_1_all.deb, data.tar").hasMessageContaining("larger than 16384 bytes");
    }

    @Test
    void refusesACorruptCompressedMember() throws Exception {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        members.put("control.tar", DebFile.controlTar(CONTROL));
        members.put("data.tar.xz", "\u00fd7zXZ\0 then garbage".getBytes(StandardCharsets.ISO_8859_1));
        DebianPackage pkg = DebianPackage.read(Files.write(dir.resolve("corrupt_1_all.deb"), DebFile.ar(members)));
        assertThatThrownBy(() -> pkg.walkData((e, c) -> { })).isInstanceOf(DebianPackageException.class)
                .hasMessageStartingWith("Debian package corrupt_1_all.deb, data.tar.xz: cannot be decompressed");
    }

    @Test
    void refusesAnUnknownCompression() throws Exception {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        members.put("control.tar", DebFile.controlTar(CONTROL));
        members.put("data.tar.bz2", new byte[] {'B', 'Z', 'h'});
        Path deb = Files.write(dir.resolve("bz_1_all.deb"), DebFile.ar(members));
        assertThatThrownBy(() -> DebianPackage.read(deb)).isInstanceOf(DebianPackageException.class)
                .hasMessageContaining("ar member 'data.tar.bz2'").hasMessageContaining("unsupported compression '.bz2'");
    }

    @Test
    void refusesAControlFileWithoutAVersion() throws Exception {
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("debian-binary", "2.0\n".getBytes(StandardCharsets.US_ASCII));
        members.put("control.tar", DebFile.controlTar("Package: nameless\nArchitecture: all\n"));
        members.put("data.tar", new TarWriter().finish());
        Path deb = Files.write(dir.resolve("nameless_1_all.deb"), DebFile.ar(members));
        assertThatThrownBy(() -> DebianPackage.read(deb)).isInstanceOf(DebianPackageException.class)
                .hasMessageContaining("control.tar entry './control'").hasMessageContaining("needs a Version field");
    }

    @Test
    void reportsTruncatedDataWithTheEntry() throws Exception {
        TarWriter data = new TarWriter();
        data.entry("./usr/lib/libx.so", '0', 0644, 0, 0, new byte[4096], "");
        byte[] tar = data.finish();
        byte[] cut = java.util.Arrays.copyOf(tar, 512 + 1000); // the header and part of the content
        DebianPackage pkg = DebianPackage.read(handMade("short_1_all.deb", cut));
        assertThatThrownBy(() -> pkg.walkData((e, c) -> c.readAllBytes())).isInstanceOf(DebianPackageException.class)
                .hasMessageContaining("short_1_all.deb, data.tar entry './usr/lib/libx.so'").hasMessageContaining("truncated");
    }

    private Path dpkgDeb(String compression) throws IOException, InterruptedException {
        Path root = dir.resolve("tiny");
        Files.createDirectories(root.resolve("DEBIAN"));
        Files.writeString(root.resolve("DEBIAN/control"), CONTROL);
        Files.writeString(root.resolve("DEBIAN/md5sums"), "5a105e8b9d40e1329780d62ea2265d8a  usr/bin/tiny\n");
        Files.createDirectories(root.resolve("usr/bin"));
        Files.writeString(root.resolve("usr/bin/tiny"), "test1");
        Files.setPosixFilePermissions(root.resolve("usr/bin/tiny"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(root.resolve("usr/bin/tiny-link"), Path.of("tiny"));
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/tiny.conf"), "answer=42\n");
        Files.createDirectories(root.resolve("tmp"));
        // chmod, not setPosixFilePermissions: Java has no way to set the sticky bit.
        run("chmod", "1777", root.resolve("tmp").toString());
        run("chmod", "0755", root.toString(), root.resolve("usr").toString(), root.resolve("usr/bin").toString(), root.resolve("etc").toString());
        Path deb = dir.resolve("tiny_2.0-1_all.deb");
        run("dpkg-deb", "--root-owner-group", "-Z" + compression, "--build", root.toString(), deb.toString());
        return deb;
    }

    private Path handMade(String name, byte[] dataTar) {
        return DebFile.write(dir.resolve(name), CONTROL, dataTar);
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }
}
