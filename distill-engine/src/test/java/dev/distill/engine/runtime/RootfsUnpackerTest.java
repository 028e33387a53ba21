package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.fs.Xattrs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsUnpackerTest {

    @TempDir
    Path temp;

    @Test
    void writesFilesLinksModesAndOwnersAndSkipsDevices() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "owners can only be set as root");
        MemoryFileSystem image = MemoryFileSystem.builder()
                .directory("/etc", 0755)
                .file("/etc/hostname", "box\n")
                .file("/usr/bin/sudo", "#!setuid\n".getBytes(), 04755)
                .symlink("/bin", "usr/bin")
                .symlink("/etc/localtime", "/usr/share/zoneinfo/UTC")
                .hardlink("/usr/bin/sudoedit", "/usr/bin/sudo")
                .owner(33, 33)
                .directory("/var/www", 0750)
                .file("/var/www/index.php", "<?php echo 1;\n")
                .owner(0, 0)
                .directory("/readonly", 0555)
                .file("/readonly/inside", "x")
                .special("/dev/null", FileType.CHAR_DEVICE, 0666)
                .build();

        UnpackReport report = RootfsUnpacker.unpack(image, temp.resolve("rootfs"));
        Path root = report.rootfs();

        assertThat(root.resolve("etc/hostname")).hasContent("box");
        assertThat(Files.getAttribute(root.resolve("usr/bin/sudo"), "unix:mode")).isEqualTo(0100000 | 04755);
        assertThat(Files.readSymbolicLink(root.resolve("bin"))).isEqualTo(Path.of("usr/bin"));
        assertThat(Files.readSymbolicLink(root.resolve("etc/localtime"))).isEqualTo(Path.of("/usr/share/zoneinfo/UTC"));
        assertThat(Files.getAttribute(root.resolve("usr/bin/sudoedit"), "unix:ino"))
                .isEqualTo(Files.getAttribute(root.resolve("usr/bin/sudo"), "unix:ino"));
        assertThat(Files.getAttribute(root.resolve("var/www"), "unix:uid")).isEqualTo(33);
        assertThat((int) Files.getAttribute(root.resolve("var/www"), "unix:mode") & 07777).isEqualTo(0750);
        assertThat(Files.getAttribute(root.resolve("var/www/index.php"), "unix:gid")).isEqualTo(33);
        assertThat(root.resolve("readonly/inside")).hasContent("x");
        assertThat((int) Files.getAttribute(root.resolve("readonly"), "unix:mode") & 07777).isEqualTo(0555);
        assertThat(root.resolve("dev/null")).doesNotExist();
        assertThat(report.skipped()).singleElement().satisfies(s -> assertThat(s.path()).isEqualTo("/dev/null"));
        assertThat(report.files()).isEqualTo(4);
        assertThat(report.hardLinks()).isEqualTo(1);
        assertThat(report.symlinks()).isEqualTo(2);
        assertThat(report.bytes()).isEqualTo("box\n".length() + "#!setuid\n".length() + "<?php echo 1;\n".length() + 1);
    }

    @Test
    void ownersAreWrittenAsTheSandboxsHostIdsInTheSameChown() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "owners can only be set as root");
        IdMapping ids = new IdMapping(1_500_000_000L, 1_600_000_000L, 65536);
        MemoryFileSystem image = MemoryFileSystem.builder()
                .file("/usr/bin/sudo", "#!setuid\n".getBytes(), 04755)
                .owner(33, 44)
                .directory("/var/www", 0750)
                .symlink("/var/www/current", "releases/1")
                .owner(100_000, 7)
                .file("/opt/foreign", "x".getBytes(), 06755)
                .build();

        UnpackReport report = RootfsUnpacker.unpack(image, temp.resolve("mapped"), ids);
        Path root = report.rootfs();

        assertThat(Files.getAttribute(root, "unix:uid")).as("the root, which the image does not list").isEqualTo(1_500_000_000);
        assertThat(Files.getAttribute(root.resolve("usr/bin/sudo"), "unix:uid")).isEqualTo(1_500_000_000);
        assertThat(Files.getAttribute(root.resolve("usr/bin/sudo"), "unix:mode")).isEqualTo(0100000 | 04755);
        assertThat(Files.getAttribute(root.resolve("var/www"), "unix:uid")).isEqualTo(1_500_000_033);
        assertThat(Files.getAttribute(root.resolve("var/www"), "unix:gid")).isEqualTo(1_600_000_044);
        assertThat(Files.getAttribute(root.resolve("var/www/current"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(1_500_000_033);
        // uid 100000 has no place in the container's 0-65535: nobody's, without setuid and setgid, and said so.
        assertThat(Files.getAttribute(root.resolve("opt/foreign"), "unix:uid")).isEqualTo(1_500_065_534);
        assertThat(Files.getAttribute(root.resolve("opt/foreign"), "unix:gid")).isEqualTo(1_600_000_007);  // gid 7 is mapped
        assertThat((int) Files.getAttribute(root.resolve("opt/foreign"), "unix:mode") & 07777).isEqualTo(0755);
        assertThat(report.skipped()).singleElement().satisfies(s -> {
            assertThat(s.path()).isEqualTo("/opt/foreign");
            assertThat(s.reason()).contains("100000:7", "outside the container's ids 0-65535", "nobody");
        });
    }

    @Test
    void appliesAclsUserAttributesAndCapabilitiesAfterOwnersButNotSelinuxLabels() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "owners and capabilities can only be set as root");
        assumeTrue(new ProcessBuilder("sh", "-c", "command -v setfattr").start().waitFor() == 0, "setfattr (attr) is missing");
        byte[] acl = java.util.HexFormat.of().parseHex("0200000001000700ffffffff04000500ffffffff080005000400000010000500ffffffff20000500ffffffff");
        byte[] netRaw = java.util.HexFormat.of().parseHex("0100000200200000000000000000000000000000");
        MemoryFileSystem image = MemoryFileSystem.builder()
                .directory("/var/log/journal", 02755)
                .xattrs("/var/log/journal", Xattrs.of(java.util.Map.of(Xattrs.ACL_ACCESS, acl, Xattrs.ACL_DEFAULT, acl)))
                .owner(0, 101)
                .file("/usr/bin/ping", "ELF".getBytes(), 0755)
                .xattrs("/usr/bin/ping", Xattrs.of(java.util.Map.of(Xattrs.CAPABILITY, netRaw, "user.note", new byte[] {0, 1, '\n'},
                        Xattrs.SELINUX, "system_u:object_r:ping_exec_t:s0\0".getBytes())))
                .build();

        UnpackReport report = RootfsUnpacker.unpack(image, temp.resolve("rootfs"));
        Path root = report.rootfs();

        assertThat(xattr(root.resolve("var/log/journal"), Xattrs.ACL_DEFAULT)).isEqualTo(acl);
        assertThat(xattr(root.resolve("var/log/journal"), Xattrs.ACL_ACCESS)).isEqualTo(acl);
        assertThat((int) Files.getAttribute(root.resolve("var/log/journal"), "unix:mode") & 07777).isEqualTo(02755);
        // Set after the chown, which would have cleared it.
        assertThat(xattr(root.resolve("usr/bin/ping"), Xattrs.CAPABILITY)).isEqualTo(netRaw);
        assertThat(Files.getAttribute(root.resolve("usr/bin/ping"), "unix:gid")).isEqualTo(101);
        assertThat(xattr(root.resolve("usr/bin/ping"), "user.note")).isEqualTo(new byte[] {0, 1, '\n'});
        assertThat(xattr(root.resolve("usr/bin/ping"), Xattrs.SELINUX)).isNull();
        assertThat(report.skipped()).singleElement().satisfies(s -> {
            assertThat(s.path()).isEqualTo("/usr/bin/ping");
            assertThat(s.reason()).contains("security.selinux not applied");
        });
    }

    @Test
    void aclEntriesNameTheSandboxsHostIdsLikeTheOwners() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "owners can only be set as root");
        assumeTrue(new ProcessBuilder("sh", "-c", "command -v setfattr").start().waitFor() == 0, "setfattr (attr) is missing");
        // user::rwx, user 33 r-x, group::r-x, group 4 (adm) r-x, group 70000 r-x, mask r-x, other r-x
        byte[] acl = java.util.HexFormat.of().parseHex("02000000" + "01000700ffffffff" + "0200050021000000" + "04000500ffffffff"
                + "0800050004000000" + "0800050070110100" + "10000500ffffffff" + "20000500ffffffff");
        IdMapping ids = new IdMapping(1_500_000_000L, 1_600_000_000L, 65536);
        MemoryFileSystem image = MemoryFileSystem.builder()
                .directory("/var/log/journal", 02755)
                .xattrs("/var/log/journal", Xattrs.of(java.util.Map.of(Xattrs.ACL_ACCESS, acl)))
                .build();

        UnpackReport report = RootfsUnpacker.unpack(image, temp.resolve("mapped-acl"), ids);

        byte[] written = xattr(report.rootfs().resolve("var/log/journal"), Xattrs.ACL_ACCESS);
        assertThat(java.util.HexFormat.of().formatHex(written)).isEqualTo("02000000" + "01000700ffffffff"
                + "02000500" + le(1_500_000_033) + "04000500ffffffff" + "08000500" + le(1_600_000_004)
                + "10000500ffffffff" + "20000500ffffffff");
        assertThat(report.skipped()).singleElement().satisfies(s -> assertThat(s.reason())
                .contains("system.posix_acl_access", "group 70000 is left out"));
    }

    private static String le(long id) {
        return java.util.HexFormat.of().formatHex(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putInt((int) id).array());
    }

    /** The attribute's value as getfattr reads it, or null when it has none. */
    private static byte[] xattr(Path file, String name) throws Exception {
        Process p = new ProcessBuilder("getfattr", "-h", "--absolute-names", "--only-values", "-n", name, file.toString()).start();
        byte[] out = p.getInputStream().readAllBytes();
        return p.waitFor() == 0 ? out : null;
    }

    @Test
    void neverWritesThroughASymlinkInTheImage() throws IOException {
        Path outside = Files.createDirectory(temp.resolve("outside"));
        // A view that lists a file below a symlink: the write would land in the link's target on the host.
        MemoryFileSystem image = MemoryFileSystem.builder()
                .symlink("/escape", outside.toString())
                .file("/escape/planted", "gotcha")
                .hardlink("/hard", "/escape/planted")
                .build();

        UnpackReport report = RootfsUnpacker.unpack(image, temp.resolve("rootfs"));

        assertThat(outside.resolve("planted")).doesNotExist();
        assertThat(report.skipped()).extracting(UnpackReport.Skipped::path).contains("/escape/planted", "/hard");
        assertThat(Files.isSymbolicLink(report.rootfs().resolve("escape"))).isTrue();
        assertThat(Files.exists(report.rootfs().resolve("hard"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void refusesARootfsThatIsNotEmpty() throws IOException {
        Path rootfs = Files.createDirectory(temp.resolve("rootfs"));
        Files.writeString(rootfs.resolve("stale"), "x");

        assertThatThrownBy(() -> RootfsUnpacker.unpack(MemoryFileSystem.builder().build(), rootfs))
                .isInstanceOf(IOException.class).hasMessageContaining("not empty");
    }
}
