package dev.distill.engine.layer;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.Xattrs;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.testing.TarWriter;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What real tools put in layers beyond plain ustar: extended attributes with binary values, names that are not
 * UTF-8, GNU sparse files. Hand-made archives pin the formats; GNU tar's own sparse archives check them against the
 * writer. (The conformance corpus, {@code LayerConformanceTest}, covers every tool.)
 */
class TarExtensionsTest {

    /** An ACL as systemd-tmpfiles puts on /var/log/journal: user::rwx, group::r-x, group:adm:r-x, mask::r-x, other::r-x. */
    static final byte[] JOURNAL_ACL = HexFormat.of().parseHex(
            "0200000001000700ffffffff04000500ffffffff080005000400000010000500ffffffff20000500ffffffff");
    /** cap_net_raw=ep, as {@code setcap} writes it (revision 2). */
    static final byte[] NET_RAW = HexFormat.of().parseHex("0100000200200000000000000000000000000000");

    @TempDir
    Path dir;

    private Blobs blobs;

    @BeforeEach
    void blobs() {
        blobs = new Blobs(dir.resolve("blobs"));
    }

    @Test
    void binaryPaxValuesAreReadByteExactIntoTheViewsExtendedAttributes() throws Exception {
        TarWriter tar = new TarWriter();
        tar.directory("var/log", 0755);
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("SCHILY.xattr.system.posix_acl_access", JOURNAL_ACL);
        records.put("SCHILY.xattr.system.posix_acl_default", JOURNAL_ACL);
        // A value with a newline, a NUL and a byte that is not UTF-8: the record length decides, not the content.
        records.put("SCHILY.xattr.user.odd", new byte[] {'a', '\n', 0, (byte) 0xff, '=', '\n'});
        records.put("SCHILY.acl.access", "user::rwx\ngroup::r-x\ngroup:adm:r-x\nmask::r-x\nother::r-x\n".getBytes(UTF_8));
        tar.paxBytes(records);
        tar.entry("var/log/journal/", '5', 02755, 0, 101, new byte[0], "");
        Map<String, byte[]> cap = new LinkedHashMap<>();
        cap.put("SCHILY.xattr.security.capability", NET_RAW);
        // libarchive writes the same attribute again, url-encoded name and base64 value; and one Go would not see.
        cap.put("LIBARCHIVE.xattr.security.capability", Base64.getEncoder().withoutPadding().encodeToString(new byte[] {1}).getBytes(UTF_8));
        cap.put("LIBARCHIVE.xattr.user.with%3Dequals%20and%25", Base64.getEncoder().withoutPadding().encodeToString(new byte[] {0, 1, 2, 3})
                .getBytes(UTF_8));
        cap.put("LIBARCHIVE.xattr.user.plain", Base64.getEncoder().encodeToString("x".getBytes(UTF_8)).getBytes(UTF_8));
        tar.paxBytes(cap);
        tar.entry("bin/ping", '0', 0755, 0, 0, "ELF".getBytes(UTF_8), "");
        tar.hardlink("bin/ping2", "bin/ping");
        Descriptor layer = blobs.tar(tar.finish());

        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), blobs);

        FileEntry journal = fs.entry("/var/log/journal").orElseThrow();
        assertThat(journal.mode()).isEqualTo(02755);
        assertThat(journal.xattrs().names()).containsExactly("system.posix_acl_access", "system.posix_acl_default", "user.odd");
        assertThat(journal.xattrs().value("system.posix_acl_access")).hasValue(JOURNAL_ACL);
        assertThat(journal.xattrs().value("user.odd")).hasValue(new byte[] {'a', '\n', 0, (byte) 0xff, '=', '\n'});
        assertThat(journal.xattrs().describe("system.posix_acl_access")).isEqualTo("user::rwx,group::r-x,group:4:r-x,mask::r-x,other::r-x");
        assertThat(journal.xattrs().texts()).containsOnlyKeys(Xattrs.ACL_ACCESS_TEXT);
        assertThat(journal.xattrs().describe(Xattrs.ACL_ACCESS_TEXT)).isEqualTo("user::rwx,group::r-x,group:adm:r-x,mask::r-x,other::r-x");

        FileEntry ping = fs.entry("/bin/ping").orElseThrow();
        // SCHILY.xattr wins where both name the attribute (Go's reader sees only it); libarchive's own names come along.
        assertThat(ping.xattrs().value(Xattrs.CAPABILITY)).hasValue(NET_RAW);
        assertThat(ping.xattrs().describe(Xattrs.CAPABILITY)).isEqualTo("cap_net_raw=ep");
        assertThat(ping.xattrs().value("user.with=equals and%")).isEmpty(); // a name with '=' cannot be a PAX key again
        assertThat(ping.xattrs().value("user.plain")).hasValue("x".getBytes(UTF_8));
        assertThat(fs.entry("/bin/ping2").orElseThrow().xattrs()).isEqualTo(ping.xattrs());
        assertThat(fs.entry("/var/log").orElseThrow().xattrs().isEmpty()).isTrue();
    }

    @Test
    void namesThatAreNotUtf8AreLeftOutAndListedNotAFailureOfTheWholeImage() throws Exception {
        byte[] latin1Dir = "caf\u00e9".getBytes(ISO_8859_1);
        TarWriter tar = new TarWriter();
        tar.file("etc/ok", "ok".getBytes(UTF_8), 0644);
        tar.paxBytes(Map.of("hdrcharset", "BINARY".getBytes(UTF_8), "path", concat(latin1Dir, "/".getBytes(UTF_8))));
        tar.entry("placeholder/", '5', 0755, 0, 0, new byte[0], "");
        tar.paxBytes(Map.of("hdrcharset", "BINARY".getBytes(UTF_8), "path", concat(latin1Dir, "/menu".getBytes(UTF_8))));
        tar.entry("placeholder", '0', 0644, 0, 0, "menu".getBytes(UTF_8), "");
        tar.paxBytes(Map.of("linkpath", concat(latin1Dir, "/menu".getBytes(UTF_8))));
        tar.entry("etc/menu-link", '2', 0777, 0, 0, new byte[0], "");
        tar.file("etc/after", "after".getBytes(UTF_8), 0644);
        Descriptor layer = blobs.tar(tar.finish());

        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), blobs);

        assertThat(fs.entries().map(FileEntry::path)).containsExactly("/etc", "/etc/after", "/etc/ok");
        assertThat(fs.unreadableEntries()).extracting(UnreadableEntry::name, UnreadableEntry::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("caf\\xe9/", "its name is not valid UTF-8"),
                org.assertj.core.groups.Tuple.tuple("caf\\xe9/menu", "its name is not valid UTF-8"),
                org.assertj.core.groups.Tuple.tuple("etc/menu-link", "its link target is not valid UTF-8"));
        assertThat(fs.unreadableEntries()).allSatisfy(u -> assertThat(u.layerDigest()).isEqualTo(layer.digest().toString()));
        // Later entries are read as usual, ordinals stay aligned: the contents are right.
        assertThat(new String(fs.read(fs.entry("/etc/after").orElseThrow(), 100), UTF_8)).isEqualTo("after");
    }

    @Test
    void paxSparse01And00ReadWithTheirHolesAsZeros() throws Exception {
        TarWriter tar = new TarWriter();
        tar.paxBytes(Map.of("GNU.sparse.size", "14".getBytes(UTF_8), "GNU.sparse.numblocks", "2".getBytes(UTF_8),
                "GNU.sparse.map", "0,3,10,2".getBytes(UTF_8), "GNU.sparse.name", "data/disk01.img".getBytes(UTF_8)));
        tar.entry("GNUSparseFile.0/disk01.img", '0', 0644, 0, 0, "abcde".getBytes(UTF_8), "");
        // 0.0 repeats its offset/numbytes keys, so the header is written by hand.
        tar.entry("PaxHeaders/x", 'x', 0644, 0, 0, records("GNU.sparse.size=8", "GNU.sparse.numblocks=2", "GNU.sparse.offset=2",
                "GNU.sparse.numbytes=1", "GNU.sparse.offset=6", "GNU.sparse.numbytes=2"), "");
        tar.entry("data/disk00.img", '0', 0644, 0, 0, "xyz".getBytes(UTF_8), "");
        Descriptor layer = blobs.gzip(tar.finish());

        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), blobs);

        FileEntry d01 = fs.entry("/data/disk01.img").orElseThrow();
        assertThat(d01.size()).isEqualTo(14);
        assertThat(fs.read(d01, 100)).isEqualTo(new byte[] {'a', 'b', 'c', 0, 0, 0, 0, 0, 0, 0, 'd', 'e', 0, 0});
        FileEntry d00 = fs.entry("/data/disk00.img").orElseThrow();
        assertThat(fs.read(d00, 100)).isEqualTo(new byte[] {0, 0, 'x', 0, 0, 0, 'y', 'z'});
        assertThat(fs.entry("/GNUSparseFile.0")).isEmpty();
    }

    @Test
    void paxSparse10KeepsItsMapInTheData() throws Exception {
        byte[] map = "2\n1\n2\n5\n1\n".getBytes(UTF_8);
        byte[] data = new byte[512 + 3];
        System.arraycopy(map, 0, data, 0, map.length);
        System.arraycopy("abc".getBytes(UTF_8), 0, data, 512, 3);
        TarWriter tar = new TarWriter();
        tar.paxBytes(Map.of("GNU.sparse.major", "1".getBytes(UTF_8), "GNU.sparse.minor", "0".getBytes(UTF_8),
                "GNU.sparse.name", "sparse".getBytes(UTF_8), "GNU.sparse.realsize", "9".getBytes(UTF_8)));
        tar.entry("GNUSparseFile.1/sparse", '0', 0600, 0, 0, data, "");
        Descriptor layer = blobs.zstd(tar.finish());

        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), blobs);

        assertThat(fs.read(fs.entry("/sparse").orElseThrow(), 100)).isEqualTo(new byte[] {0, 'a', 'b', 0, 0, 'c', 0, 0, 0});
    }

    @Test
    void aSparseMapThatDoesNotMatchItsDataIsMalformed() {
        TarWriter tar = new TarWriter();
        tar.paxBytes(Map.of("GNU.sparse.size", "14".getBytes(UTF_8), "GNU.sparse.map", "0,3,10,9".getBytes(UTF_8)));
        tar.entry("disk.img", '0', 0644, 0, 0, "abcde".getBytes(UTF_8), "");
        Descriptor layer = blobs.tar(tar.finish());

        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(layer), blobs)).isInstanceOfSatisfying(LayerException.class,
                e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.MALFORMED))
                .hasMessageContaining("disk.img").hasMessageContaining("lies past the real size 14");
    }

    @Test
    void sparseHolesCountAgainstTheUncompressedLimitSoATinyLayerCannotExpandWithoutEnd() {
        TarWriter tar = new TarWriter();
        tar.paxBytes(Map.of("GNU.sparse.size", String.valueOf(1L << 50).getBytes(UTF_8), "GNU.sparse.map", "0,1".getBytes(UTF_8)));
        tar.entry("bomb", '0', 0644, 0, 0, "a".getBytes(UTF_8), "");
        Descriptor layer = blobs.gzip(tar.finish());

        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(layer), blobs, LayerLimits.defaults()))
                .isInstanceOfSatisfying(LayerException.class, e -> assertThat(e.kind()).isEqualTo(LayerException.Kind.LIMIT_EXCEEDED));
    }

    /** GNU tar's own sparse archives, in each way it writes them, read back as the file they came from. */
    @ParameterizedTest
    @ValueSource(strings = {"gnu", "oldgnu", "posix:0.0", "posix:0.1", "posix:1.0"})
    void gnuTarSparseFilesReadAsTheFileTheyCameFrom(String variant) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        byte[] content = new byte[3 * 1024 * 1024];
        // Data, a 1 MiB hole, data, a hole to the end: more than four segments for the old GNU extension headers.
        for (int i = 0; i < 10; i++) {
            int at = i * 300_000;
            for (int j = 0; j < 5000; j++) {
                content[at + j] = (byte) (i * 31 + j);
            }
        }
        Path file = root.resolve("disk.img");
        try (var out = Files.newByteChannel(file, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            for (int i = 0; i < 10; i++) {
                out.position(i * 300_000L);
                out.write(java.nio.ByteBuffer.wrap(content, i * 300_000, 5000));
            }
            out.truncate(content.length);
            out.position(content.length - 1);
            out.write(java.nio.ByteBuffer.wrap(new byte[] {0}));
        }
        String[] parts = variant.split(":");
        List<String> command = new java.util.ArrayList<>(List.of("tar", "--format=" + parts[0], "--sparse", "-C", root.toString(),
                "-cf", dir.resolve("s.tar").toString(), "disk.img"));
        if (parts.length > 1) {
            command.add(3, "--sparse-version=" + parts[1]);
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as("%s: %s", command, out).isTrue();
        byte[] archive = Files.readAllBytes(dir.resolve("s.tar"));
        assertThat(archive.length).as("the archive holds the data, not the holes").isLessThan(content.length / 4);
        Descriptor layer = blobs.tar(archive);

        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), blobs);

        FileEntry entry = fs.entry("/disk.img").orElseThrow();
        assertThat(entry.type()).isEqualTo(FileType.REGULAR);
        assertThat(entry.size()).isEqualTo(content.length);
        byte[][] read = new byte[1][];
        fs.readAll(List.of(entry), (f, in) -> read[0] = in.readAllBytes());
        assertThat(read[0]).isEqualTo(content);
        assertThat(fs.entries().map(FileEntry::path)).containsExactly("/disk.img");
    }

    private static byte[] records(String... keyValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String kv : keyValues) {
            String rest = " " + kv + "\n";
            int length = rest.length() + 1;
            while (String.valueOf(length).length() + rest.length() != length) {
                length++;
            }
            out.writeBytes((length + rest).getBytes(UTF_8));
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
