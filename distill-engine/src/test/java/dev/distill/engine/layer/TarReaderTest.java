package dev.distill.engine.layer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.testing.TarWriter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TarReaderTest {

    @TempDir
    Path dir;

    @Test
    void paxHeadersSetPathLinkpathSizeUidAndGid() throws Exception {
        String longPath = "usr/share/" + "very-long-directory-name/".repeat(12) + "file.txt";
        String longTarget = "/opt/" + "t".repeat(300);
        TarWriter tar = new TarWriter();
        tar.pax(Map.of("path", longPath, "uid", "3000000", "gid", "4000000", "mtime", "1700000000.5",
                "SCHILY.xattr.user.note", "kept"), false);
        tar.entry("short-name-replaced", '0', 0640, 1, 2, "pax".getBytes(UTF_8), "");
        tar.pax(Map.of("linkpath", longTarget, "path", "link"), false);
        tar.entry("x", '2', 0777, 0, 0, new byte[0], "short");

        List<TarEntry> entries = read(tar.finish());

        assertThat(entries.get(0)).isEqualTo(new TarEntry(0, longPath, FileType.REGULAR, 0640, 3000000, 4000000, 3, "",
                dev.distill.engine.fs.Xattrs.of(Map.of("user.note", "kept".getBytes(UTF_8))), null));
        assertThat(entries.get(1)).isEqualTo(new TarEntry(1, "link", FileType.SYMLINK, 0777, 0, 0, 0, longTarget));
    }

    @Test
    void paxSizeOverridesTheHeaderSize() throws Exception {
        TarWriter tar = new TarWriter();
        tar.pax(Map.of("size", "5"), false);
        tar.entry("f", '0', 0644, 0, 0, "12345".getBytes(UTF_8), "");
        tar.file("after", "ok".getBytes(UTF_8), 0644);

        Map<String, String> contents = contents(tar.finish());

        assertThat(contents).containsExactly(Map.entry("f", "12345"), Map.entry("after", "ok"));
    }

    @Test
    void gnuLongNamesAndLinks() throws Exception {
        String longName = "lib/" + "n".repeat(200) + ".so";
        String longLink = "lib/" + "l".repeat(150);
        TarWriter tar = new TarWriter();
        tar.gnuLong('L', longName);
        tar.gnuLong('K', longLink);
        tar.entry("truncated-name", '2', 0777, 0, 0, new byte[0], "truncated-link");

        assertThat(read(tar.finish())).containsExactly(new TarEntry(0, longName, FileType.SYMLINK, 0777, 0, 0, 0, longLink));
    }

    @Test
    void globalPaxHeadersAreReadButNotAppliedLikeDockerDoes() throws Exception {
        TarWriter tar = new TarWriter();
        tar.pax(Map.of("comment", "a git commit", "uid", "42"), true);
        tar.file("f", new byte[] {1}, 0644);

        assertThat(read(tar.finish())).containsExactly(new TarEntry(0, "f", FileType.REGULAR, 0644, 0, 0, 1, ""));
    }

    @Test
    void base256NumbersForSizeUidAndGid() throws Exception {
        TarWriter tar = new TarWriter();
        tar.base256Numbers();
        tar.entry("big-ids", '0', 0644, 70_000_000, 80_000_000, "data".getBytes(UTF_8), "");

        assertThat(read(tar.finish())).containsExactly(new TarEntry(0, "big-ids", FileType.REGULAR, 0644, 70_000_000, 80_000_000, 4, ""));
    }

    @Test
    void malformedPaxRecordsAreRefused() {
        TarWriter tar = new TarWriter();
        tar.entry("PaxHeaders/x", 'x', 0644, 0, 0, "99 path=x\n".getBytes(UTF_8), "");
        tar.file("f", new byte[0], 0644);

        assertThatThrownBy(() -> read(tar.finish())).isInstanceOf(LayerProblem.class).hasMessage("malformed PAX header record at byte 0");
    }

    @Test
    void namesThatAreNotUtf8ComeBackUnreadableWithTheirBytesEscapedRatherThanMerged() throws Exception {
        TarWriter tar = new TarWriter();
        byte[] latin1 = "caf\u00e9".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        tar.entry(new String(latin1, java.nio.charset.StandardCharsets.ISO_8859_1), '0', 0644, 0, 0, new byte[0], "");
        byte[] archive = tar.finish();
        // TarWriter wrote the name as UTF-8 (c3 a9); make it the single Latin-1 byte e9 and fix the checksum.
        archive[3] = (byte) 0xe9;
        archive[4] = 0;
        fixChecksum(archive, 0);

        assertThat(read(archive)).singleElement().satisfies(e -> {
            assertThat(e.name()).isEqualTo("caf\\xe9");
            assertThat(e.unreadable()).isEqualTo("its name is not valid UTF-8");
        });
    }

    private static void fixChecksum(byte[] archive, int header) {
        java.util.Arrays.fill(archive, header + 148, header + 156, (byte) ' ');
        long sum = 0;
        for (int i = header; i < header + 512; i++) {
            sum += archive[i] & 0xff;
        }
        byte[] field = (String.format("%06o", sum) + "\0 ").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(field, 0, archive, header + 148, field.length);
    }

    @Test
    void anExtendedHeaderWithoutAnEntryIsRefused() {
        TarWriter tar = new TarWriter();
        tar.gnuLong('L', "orphan");

        assertThatThrownBy(() -> read(tar.finish())).isInstanceOf(LayerProblem.class)
                .hasMessage("the tar stream ends with an extended header that describes no entry");
    }

    @Test
    void headerOnlyTypesHaveNoData() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("target", "t".getBytes(UTF_8), 0644);
        tar.hardlink("link", "target");
        tar.directory("d", 0755);
        tar.file("after", "a".getBytes(UTF_8), 0644);

        assertThat(read(tar.finish())).extracting(TarEntry::name, TarEntry::type, TarEntry::size).containsExactly(
                org.assertj.core.groups.Tuple.tuple("target", FileType.REGULAR, 1L),
                org.assertj.core.groups.Tuple.tuple("link", FileType.HARDLINK, 0L),
                org.assertj.core.groups.Tuple.tuple("d/", FileType.DIRECTORY, 0L),
                org.assertj.core.groups.Tuple.tuple("after", FileType.REGULAR, 1L));
    }

    /** Archives GNU tar writes in each of its formats, with what real layers hold. */
    @ParameterizedTest
    @ValueSource(strings = {"gnu", "pax", "ustar", "oldgnu"})
    void readsWhatGnuTarWrites(String format) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        String longDir = "d".repeat(80) + "/" + "e".repeat(60);
        String longFile = longDir + "/" + "f".repeat(90) + ".txt";
        Files.createDirectories(root.resolve(longDir));
        Files.writeString(root.resolve(longFile), "long");
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/busybox"), "busybox");
        Files.createLink(root.resolve("bin/sh"), root.resolve("bin/busybox"));
        Files.createSymbolicLink(root.resolve("bin/ash"), Path.of("busybox"));
        run("mkfifo", root.resolve("fifo").toString());
        Path archive = dir.resolve(format + ".tar");
        run("tar", "--format=" + format, "--sort=name", "--owner=0", "--group=0", "--numeric-owner", "-C", root.toString(), "-cf",
                archive.toString(), ".");

        Map<String, TarEntry> byName = new LinkedHashMap<>();
        Map<String, String> contents = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(archive)) {
            TarReader reader = new TarReader(in, 4096);
            TarEntry e;
            while ((e = reader.next()) != null) {
                byName.put(e.name(), e);
                contents.put(e.name(), new String(reader.body().readAllBytes(), UTF_8));
            }
            reader.drain();
        }

        assertThat(byName.get("./" + longFile).type()).isEqualTo(FileType.REGULAR);
        assertThat(contents.get("./" + longFile)).isEqualTo("long");
        assertThat(byName.get("./bin/busybox").type()).isEqualTo(FileType.REGULAR);
        assertThat(byName.get("./bin/sh")).satisfies(e -> {
            assertThat(e.type()).isEqualTo(FileType.HARDLINK);
            assertThat(e.linkName()).isEqualTo("./bin/busybox");
        });
        assertThat(byName.get("./bin/ash").linkName()).isEqualTo("busybox");
        assertThat(byName.get("./fifo").type()).isEqualTo(FileType.FIFO);
        assertThat(byName.get("./").type()).isEqualTo(FileType.DIRECTORY);
        assertThat(byName.values()).extracting(TarEntry::ordinal).containsExactlyElementsOf(
                java.util.stream.IntStream.range(0, byName.size()).boxed().toList());
    }

    private static List<TarEntry> read(byte[] archive) throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(archive), 4096);
        List<TarEntry> entries = new ArrayList<>();
        TarEntry e;
        while ((e = reader.next()) != null) {
            entries.add(e);
        }
        return entries;
    }

    private static Map<String, String> contents(byte[] archive) throws IOException {
        TarReader reader = new TarReader(new ByteArrayInputStream(archive), 4096);
        Map<String, String> contents = new LinkedHashMap<>();
        TarEntry e;
        while ((e = reader.next()) != null) {
            contents.put(e.name(), new String(reader.body().readAllBytes(), UTF_8));
        }
        return contents;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
