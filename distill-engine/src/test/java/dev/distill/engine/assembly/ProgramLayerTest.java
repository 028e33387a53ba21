package dev.distill.engine.assembly;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.fs.Xattrs;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.plan.CarriedFile;
import dev.distill.engine.plan.ProgramPlan;
import dev.distill.engine.testing.TarWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The program layer beyond plain files: the extended-attribute policy (docs/assembly.md: capabilities dropped unless
 * the plan says why, ACLs and user attributes written back byte-exact, SELinux labels dropped; each reported), and
 * what a usr-merged source's symlink hides of the base.
 */
class ProgramLayerTest {

    private static final byte[] ACL = HexFormat.of().parseHex(
            "0200000001000700ffffffff04000500ffffffff080005000400000010000500ffffffff20000500ffffffff");
    private static final byte[] NET_RAW = HexFormat.of().parseHex("0100000200200000000000000000000000000000");
    private static final byte[] LABEL = "system_u:object_r:bin_t:s0\0".getBytes(UTF_8);

    @TempDir
    Path dir;

    @Test
    void capabilitiesAndLabelsAreDroppedAclsAndUserAttributesKeptAndEveryDecisionReported() throws Exception {
        TarWriter tar = new TarWriter();
        tar.directory("usr/bin", 0755);
        tar.directory("var/log", 0755);
        Map<String, byte[]> ping = new LinkedHashMap<>();
        ping.put("SCHILY.xattr.security.capability", NET_RAW);
        ping.put("SCHILY.xattr.security.selinux", LABEL);
        ping.put("SCHILY.xattr.user.origin", new byte[] {0, (byte) 0xfe, '\n'});
        tar.paxBytes(ping);
        tar.entry("usr/bin/ping", '0', 0755, 0, 0, "ping".getBytes(UTF_8), "");
        tar.hardlink("usr/bin/ping4", "usr/bin/ping");
        tar.paxBytes(Map.of("SCHILY.xattr.security.capability", NET_RAW));
        tar.entry("usr/bin/arping", '0', 0755, 0, 0, "arping".getBytes(UTF_8), "");
        tar.paxBytes(Map.of("SCHILY.xattr.system.posix_acl_access", ACL, "SCHILY.xattr.system.posix_acl_default", ACL,
                "SCHILY.acl.access", "user::rwx\ngroup::r-x\ngroup:adm:r-x\nmask::r-x\nother::r-x\n".getBytes(UTF_8)));
        tar.entry("var/log/journal/", '5', 02755, 0, 101, new byte[0], "");
        Path blobs = dir.resolve("blobs");
        List<Descriptor> layers = List.of(store(blobs, tar.finish()));
        LayeredFileSystem source = LayeredFileSystem.build(layers, BlobSource.directory(blobs));

        List<CarriedFile> files = List.of(
                CarriedFile.of(source.entry("/usr/bin/ping").orElseThrow(), "the program"),
                CarriedFile.of(source.entry("/usr/bin/ping4").orElseThrow(), "a name of the program"),
                CarriedFile.of(source.entry("/usr/bin/arping").orElseThrow(), "a tool it runs")
                        .keepingCapabilities("arping sends raw packets as a non-root user"),
                CarriedFile.of(source.entry("/var/log/journal").orElseThrow(), "where it logs"));
        ProgramPlan plan = new ProgramPlan("ping", List.of("/usr/bin/ping"), "root", "/", List.of(), List.of(), null, null, files,
                List.of(), List.of(), List.of(), List.of(), null, null, Identity.ROOT, "test", List.of());
        MemoryFileSystem base = MemoryFileSystem.builder().directory("/etc", 0755).file("/etc/passwd", "root:x:0:0::/root:/sbin/nologin\n")
                .file("/etc/group", "root:x:0:\n").directory("/usr", 0755).directory("/var", 0755).build();

        ProgramLayer.Result result;
        try (SourceContent content = SourceContent.read(layers, BlobSource.directory(blobs), LayerLimits.defaults(),
                Set.of("/usr/bin/ping", "/usr/bin/ping4", "/usr/bin/arping"), Files.createDirectories(dir.resolve("spool")))) {
            result = ProgramLayer.write(plan, content, base, dir.resolve("layer.tar.gz"));
        }

        LayeredFileSystem written = read(result.layer());
        FileEntry pingOut = written.entry("/usr/bin/ping").orElseThrow();
        assertThat(pingOut.xattrs().names()).containsExactly("user.origin");
        assertThat(pingOut.xattrs().value("user.origin")).hasValue(new byte[] {0, (byte) 0xfe, '\n'});
        assertThat(written.entry("/usr/bin/ping4").orElseThrow().xattrs()).isEqualTo(pingOut.xattrs());
        assertThat(written.entry("/usr/bin/arping").orElseThrow().xattrs().value(Xattrs.CAPABILITY)).hasValue(NET_RAW);
        FileEntry journal = written.entry("/var/log/journal").orElseThrow();
        assertThat(journal.mode()).isEqualTo(02755);
        assertThat(journal.xattrs()).isEqualTo(source.entry("/var/log/journal").orElseThrow().xattrs());
        assertThat(journal.xattrs().value(Xattrs.ACL_DEFAULT)).hasValue(ACL);

        assertThat(result.changes()).extracting(FileChange::path, FileChange::what).contains(
                org.assertj.core.groups.Tuple.tuple("/usr/bin/ping", "extended attributes dropped: security.capability (cap_net_raw=ep): "
                        + "file capabilities are privilege, like setuid, and the plan gives no reason to keep them; security.selinux "
                        + "(system_u:object_r:bin_t:s0): an SELinux label is the build host's; the runtime host's policy labels container files"),
                org.assertj.core.groups.Tuple.tuple("/usr/bin/ping", "extended attributes kept as the source has them: user.origin (0x00fe0a)"),
                org.assertj.core.groups.Tuple.tuple("/usr/bin/arping", "file capabilities kept (cap_net_raw=ep): arping sends raw packets as a "
                        + "non-root user"));
        assertThat(result.changes()).filteredOn(c -> c.path().equals("/var/log/journal")).singleElement()
                .satisfies(c -> assertThat(c.what()).startsWith("extended attributes kept as the source has them: system.posix_acl_access "
                        + "(user::rwx,group::r-x,group:4:r-x,mask::r-x,other::r-x)"));
    }

    @Test
    void whatASourceSymlinkHidesOfTheBaseIsCarriedFromTheSourceOrReported() throws Exception {
        // A usr-merged source over a Debian 12 base: /lib -> usr/lib hides the base's /lib, where glibc finds the NSS
        // module the base's nsswitch.conf names (compat).
        TarWriter tar = new TarWriter();
        tar.symlink("lib", "usr/lib");
        tar.file("usr/lib/x86_64-linux-gnu/libc.so.6", "libc".getBytes(UTF_8), 0755);
        tar.file("usr/lib/x86_64-linux-gnu/libnss_compat.so.2", "compat".getBytes(UTF_8), 0644);
        tar.symlink("usr/lib/x86_64-linux-gnu/libnss_files.so.2", "libnss_compat.so.2");
        Path blobs = dir.resolve("blobs");
        List<Descriptor> layers = List.of(store(blobs, tar.finish()));
        LayeredFileSystem source = LayeredFileSystem.build(layers, BlobSource.directory(blobs));
        ProgramPlan plan = new ProgramPlan("app", List.of("/usr/bin/app"), "root", "/", List.of(), List.of(), null, null,
                List.of(CarriedFile.of(source.entry("/lib").orElseThrow(), "the loader's directory"),
                        CarriedFile.of(source.entry("/usr/lib/x86_64-linux-gnu/libc.so.6").orElseThrow(), "libc")),
                List.of(), List.of(), List.of(), List.of(), null, null, Identity.ROOT, "test", List.of());
        MemoryFileSystem base = MemoryFileSystem.builder().directory("/etc", 0755).file("/etc/passwd", "root:x:0:0::/root:/sbin/nologin\n")
                .file("/etc/group", "root:x:0:\n").directory("/usr/lib", 0755)
                .file("/lib/x86_64-linux-gnu/libc.so.6", "base libc").file("/lib/x86_64-linux-gnu/libnss_compat.so.2", "base compat")
                .file("/lib/x86_64-linux-gnu/libnss_files.so.2", "base files").file("/lib/x86_64-linux-gnu/libonly-in-base.so", "x")
                .build();

        ProgramLayer.Result result;
        try (SourceContent content = SourceContent.read(layers, BlobSource.directory(blobs), LayerLimits.defaults(),
                Set.of("/usr/lib/x86_64-linux-gnu/libc.so.6"), Files.createDirectories(dir.resolve("spool")))) {
            result = ProgramLayer.write(plan, content, base, dir.resolve("layer.tar.gz"));
        }

        LayeredFileSystem written = read(result.layer());
        assertThat(new String(written.read(written.entry("/usr/lib/x86_64-linux-gnu/libnss_compat.so.2").orElseThrow(), 100), UTF_8))
                .isEqualTo("compat");
        assertThat(written.entry("/usr/lib/x86_64-linux-gnu/libnss_files.so.2").orElseThrow().linkTarget()).isEqualTo("libnss_compat.so.2");
        assertThat(result.changes()).extracting(FileChange::what).anySatisfy(w -> assertThat(w).startsWith("2 files the base has under /lib")
                .contains("/usr/lib/x86_64-linux-gnu/libnss_compat.so.2"))
                .anySatisfy(w -> assertThat(w).isEqualTo("1 files the base has under /lib are hidden by the source's symlink and the source "
                        + "has none of them: /lib/x86_64-linux-gnu/libonly-in-base.so"));
    }

    @Test
    void whatTheBaseHasByteForByteAtTheSamePathIsNotCarriedAgain() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("usr/lib/libssl.so.3", "the same bytes".getBytes(UTF_8), 0644);
        tar.file("usr/lib/libcrypto.so.3", "other bytes".getBytes(UTF_8), 0644);
        tar.file("usr/lib/libz.so.1", "same bytes, other mode".getBytes(UTF_8), 0755);
        tar.symlink("usr/lib/libssl.so", "libssl.so.3");
        tar.file("usr/lib/libgd.so.3", "gd".getBytes(UTF_8), 0644);
        tar.hardlink("usr/lib/libgd.so", "usr/lib/libgd.so.3");
        Path blobs = dir.resolve("blobs");
        List<Descriptor> layers = List.of(store(blobs, tar.finish()));
        LayeredFileSystem source = LayeredFileSystem.build(layers, BlobSource.directory(blobs));
        List<String> paths = List.of("/usr/lib/libssl.so.3", "/usr/lib/libcrypto.so.3", "/usr/lib/libz.so.1", "/usr/lib/libssl.so",
                "/usr/lib/libgd.so.3", "/usr/lib/libgd.so");
        ProgramPlan plan = new ProgramPlan("app", List.of("/usr/bin/app"), "root", "/", List.of(), List.of(), null, null,
                paths.stream().map(p -> CarriedFile.of(source.entry(p).orElseThrow(), "a library")).toList(),
                List.of(), List.of(), List.of(), List.of(), null, null, Identity.ROOT, "test", List.of());
        MemoryFileSystem base = MemoryFileSystem.builder().directory("/etc", 0755).file("/etc/passwd", "root:x:0:0::/root:/sbin/nologin\n")
                .file("/etc/group", "root:x:0:\n").directory("/usr/lib", 0755)
                .file("/usr/lib/libssl.so.3", "the same bytes".getBytes(UTF_8), 0644)
                .file("/usr/lib/libcrypto.so.3", "other_bytes".getBytes(UTF_8), 0644)
                .file("/usr/lib/libz.so.1", "same bytes, other mode".getBytes(UTF_8), 0644)
                .symlink("/usr/lib/libssl.so", "libssl.so.3")
                .file("/usr/lib/libgd.so.3", "gd".getBytes(UTF_8), 0644)
                .build();

        ProgramLayer.Result result;
        try (SourceContent content = SourceContent.read(layers, BlobSource.directory(blobs), LayerLimits.defaults(),
                Set.of("/usr/lib/libssl.so.3", "/usr/lib/libcrypto.so.3", "/usr/lib/libz.so.1", "/usr/lib/libgd.so.3",
                        "/usr/lib/libgd.so"), Files.createDirectories(dir.resolve("spool")))) {
            result = ProgramLayer.write(plan, content, base, dir.resolve("layer.tar.gz"));
        }

        LayeredFileSystem written = read(result.layer());
        assertThat(written.entry("/usr/lib/libssl.so.3")).isEmpty();
        assertThat(written.entry("/usr/lib/libssl.so")).isEmpty();
        assertThat(written.entry("/usr/lib/libcrypto.so.3")).isPresent(); // same size, other bytes
        assertThat(written.entry("/usr/lib/libz.so.1")).isPresent(); // same bytes, other mode
        assertThat(written.entry("/usr/lib/libgd.so.3")).isPresent(); // one name of a hard link group: the group stays whole
        assertThat(written.entry("/usr/lib/libgd.so")).isPresent();
        assertThat(result.files()).isEqualTo(4);
        assertThat(result.changes()).extracting(FileChange::what).anySatisfy(w -> assertThat(w)
                .startsWith("2 carried files (14 bytes) left to the base").endsWith(": /usr/lib/libssl.so, /usr/lib/libssl.so.3"));
    }

    private static Descriptor store(Path blobs, byte[] archive) throws Exception {
        Digest digest = Digest.sha256(archive);
        Files.createDirectories(blobs.resolve("sha256"));
        Files.write(blobs.resolve("sha256").resolve(digest.hex()), archive);
        return new Descriptor(MediaTypes.OCI_LAYER_TAR, digest, archive.length);
    }

    private static LayeredFileSystem read(WrittenLayer layer) throws Exception {
        Path blobs = layer.file().getParent().resolve("written");
        Files.createDirectories(blobs.resolve("sha256"));
        Files.copy(layer.file(), blobs.resolve("sha256").resolve(layer.digest().hex()));
        return LayeredFileSystem.build(List.of(layer.descriptor()), BlobSource.directory(blobs));
    }
}
