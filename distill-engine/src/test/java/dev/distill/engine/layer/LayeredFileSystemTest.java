package dev.distill.engine.layer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.testing.TarWriter;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayeredFileSystemTest {

    @TempDir
    java.nio.file.Path dir;

    private Blobs blobs;

    @BeforeEach
    void blobs() {
        blobs = new Blobs(dir);
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesAcrossThreeLayers() throws Exception {
        TarWriter base = new TarWriter();
        base.file("etc/a.conf", bytes("a0"), 0644);
        base.file("etc/b.conf", bytes("b0"), 0644);
        base.file("var/cache/x/1", bytes("x1"), 0644);
        base.file("var/cache/y", bytes("y"), 0644);
        base.file("usr/bin/tool", bytes("v1"), 0755);
        base.file("opt/keep/k", bytes("k"), 0644);
        Descriptor l0 = blobs.gzip(base.finish());

        TarWriter middle = new TarWriter();
        middle.file("var/cache/new", bytes("new"), 0644); // before the opaque marker: still this layer's
        middle.file("etc/.wh.a.conf", new byte[0], 0644);
        middle.file("var/cache/.wh..wh..opq", new byte[0], 0644);
        middle.file("opt/.wh.keep", new byte[0], 0644);
        middle.file("usr/bin/tool", bytes("v2"), 0700);
        Descriptor l1 = blobs.gzip(middle.finish());

        TarWriter top = new TarWriter();
        top.file("etc/a.conf", bytes("a2"), 0600);
        top.file("opt/keep/again", bytes("again"), 0644);
        top.file("var/cache/.wh.new", new byte[0], 0644);
        Descriptor l2 = blobs.gzip(top.finish());

        LayeredFileSystem fs = blobs.build(l0, l1, l2);

        assertThat(fs.entries().map(FileEntry::path)).containsExactly("/etc", "/etc/a.conf", "/etc/b.conf", "/opt", "/opt/keep",
                "/opt/keep/again", "/usr", "/usr/bin", "/usr/bin/tool", "/var", "/var/cache");
        assertThat(fs.entry("/etc/a.conf")).get().satisfies(e -> {
            assertThat(e.layerIndex()).isEqualTo(2);
            assertThat(e.layerDigest()).isEqualTo(l2.digest().toString());
            assertThat(e.mode()).isEqualTo(0600);
        });
        assertThat(fs.entry("/etc/b.conf").orElseThrow().layerIndex()).isZero();
        assertThat(fs.entry("/usr/bin/tool").orElseThrow().layerIndex()).isEqualTo(1);
        assertThat(fs.list("/var/cache")).isEmpty();
        assertThat(text(fs, "/usr/bin/tool")).isEqualTo("v2");
        assertThat(text(fs, "/etc/a.conf")).isEqualTo("a2");
        assertThat(text(fs, "/etc/b.conf")).isEqualTo("b0");
        assertThat(fs.entries().map(FileEntry::path)).noneMatch(p -> p.contains(".wh."));
        // As each layer said them, for a runtime that stacks the layers itself.
        assertThat(fs.whiteouts()).containsExactly(new Whiteout(1, "/etc/a.conf", false), new Whiteout(1, "/var/cache", true),
                new Whiteout(1, "/opt/keep", false), new Whiteout(2, "/var/cache/new", false));
    }

    @Test
    void fileReplacingDirectoryHidesItsChildrenAndDirectoryOverDirectoryMerges() throws Exception {
        TarWriter base = new TarWriter();
        base.file("srv/www/index.html", bytes("old"), 0644);
        base.directory("data", 0700);
        base.file("data/kept", bytes("kept"), 0644);
        Descriptor l0 = blobs.tar(base.finish());
        TarWriter top = new TarWriter();
        top.file("srv/www", bytes("now a file"), 0644);
        top.directory("data", 0750);
        Descriptor l1 = blobs.tar(top.finish());

        LayeredFileSystem fs = blobs.build(l0, l1);

        assertThat(fs.entry("/srv/www").orElseThrow().type()).isEqualTo(FileType.REGULAR);
        assertThat(fs.entry("/srv/www/index.html")).isEmpty();
        assertThat(fs.entry("/data").orElseThrow().mode()).isEqualTo(0750);
        assertThat(text(fs, "/data/kept")).isEqualTo("kept");
    }

    @Test
    void hardLinksShareBytesAndKeepThemWhenTheTargetIsReplacedOrDeleted() throws Exception {
        TarWriter base = new TarWriter();
        base.file("bin/busybox", bytes("busybox v1"), 0755);
        base.hardlink("bin/sh", "bin/busybox");
        base.hardlink("bin/ls", "/bin/sh"); // a link to a link is a link to the same file
        base.hardlink("bin/cat", "./bin/busybox");
        base.symlink("usr/bin/env", "../../bin/busybox");
        Descriptor l0 = blobs.tar(base.finish());

        LayeredFileSystem before = blobs.build(l0);
        assertThat(before.entry("/bin/sh").orElseThrow()).satisfies(e -> {
            assertThat(e.type()).isEqualTo(FileType.HARDLINK);
            assertThat(e.linkTarget()).isEqualTo("/bin/busybox");
            assertThat(e.size()).isEqualTo(10);
        });
        assertThat(before.entry("/bin/ls").orElseThrow().linkTarget()).isEqualTo("/bin/busybox");
        assertThat(text(before, "/bin/sh")).isEqualTo("busybox v1");
        assertThat(before.resolve("/usr/bin/env").orElseThrow().path()).isEqualTo("/bin/busybox");
        assertThat(before.entry("/usr/bin/env").orElseThrow().linkTarget()).isEqualTo("../../bin/busybox");

        TarWriter top = new TarWriter();
        top.file("bin/.wh.busybox", new byte[0], 0644);
        Descriptor l1 = blobs.tar(top.finish());
        LayeredFileSystem after = blobs.build(l0, l1);

        assertThat(after.entry("/bin/busybox")).isEmpty();
        assertThat(after.entry("/bin/cat").orElseThrow()).satisfies(e -> {
            assertThat(e.type()).as("the first remaining link becomes the file").isEqualTo(FileType.REGULAR);
            assertThat(e.layerIndex()).isZero();
            assertThat(e.mode()).isEqualTo(0755);
        });
        assertThat(after.entry("/bin/ls").orElseThrow().linkTarget()).isEqualTo("/bin/cat");
        assertThat(after.entry("/bin/sh").orElseThrow().linkTarget()).isEqualTo("/bin/cat");
        assertThat(text(after, "/bin/sh")).isEqualTo("busybox v1");
        assertThat(text(after, "/bin/cat")).isEqualTo("busybox v1");
        assertThat(after.resolve("/usr/bin/env")).as("the symlink dangles now").isEmpty();

        TarWriter replace = new TarWriter();
        replace.file("bin/busybox", bytes("busybox v2"), 0755);
        LayeredFileSystem replaced = blobs.build(l0, blobs.tar(replace.finish()));
        assertThat(text(replaced, "/bin/busybox")).isEqualTo("busybox v2");
        assertThat(text(replaced, "/bin/sh")).as("same inode as the old file").isEqualTo("busybox v1");
    }

    @Test
    void aLinkWhoseLowerTargetIsWhitedOutInItsOwnLayerBecomesThatLayersFile() throws Exception {
        TarWriter base = new TarWriter();
        base.file("d/a", bytes("inode"), 0640);
        Descriptor l0 = blobs.tar(base.finish());
        TarWriter top = new TarWriter();
        top.hardlink("d/b", "d/a");
        top.file("d/.wh.a", new byte[0], 0644);
        top.file("d/.wh..wh..opq", new byte[0], 0644); // hides only lower entries: b is this layer's
        Descriptor l1 = blobs.tar(top.finish());

        LayeredFileSystem fs = blobs.build(l0, l1);

        assertThat(fs.list("/d")).singleElement().satisfies(e -> {
            assertThat(e.path()).isEqualTo("/d/b");
            assertThat(e.type()).isEqualTo(FileType.REGULAR);
            assertThat(e.mode()).isEqualTo(0640);
            assertThat(e.layerIndex()).isEqualTo(1);
        });
        assertThat(text(fs, "/d/b")).isEqualTo("inode");
    }

    @Test
    void hardLinkToASymlinkIsThatSymlinkAgain() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("lib/libc.so.6", bytes("libc"), 0755);
        tar.symlink("lib/libc.so", "libc.so.6");
        tar.hardlink("lib/libc.so.again", "lib/libc.so");
        LayeredFileSystem fs = blobs.build(blobs.tar(tar.finish()));

        assertThat(fs.entry("/lib/libc.so.again").orElseThrow()).satisfies(e -> {
            assertThat(e.type()).isEqualTo(FileType.SYMLINK);
            assertThat(e.linkTarget()).isEqualTo("libc.so.6");
        });
        assertThat(fs.resolve("/lib/libc.so.again").orElseThrow().path()).isEqualTo("/lib/libc.so.6");
    }

    @Test
    void devicesAndFifosAreRecorded() throws Exception {
        TarWriter tar = new TarWriter();
        tar.special("dev/null", '3', 0666);
        tar.special("dev/sda", '4', 0660);
        tar.special("run/fifo", '6', 0600);
        LayeredFileSystem fs = blobs.build(blobs.tar(tar.finish()));

        assertThat(fs.entry("/dev/null").orElseThrow().type()).isEqualTo(FileType.CHAR_DEVICE);
        assertThat(fs.entry("/dev/null").orElseThrow().mode()).isEqualTo(0666);
        assertThat(fs.entry("/dev/sda").orElseThrow().type()).isEqualTo(FileType.BLOCK_DEVICE);
        assertThat(fs.entry("/run/fifo").orElseThrow().type()).isEqualTo(FileType.FIFO);
        assertThatThrownBy(() -> fs.open(fs.entry("/dev/null").orElseThrow())).isInstanceOf(IOException.class)
                .hasMessageContaining("/dev/null is not a regular file").hasMessageContaining("CHAR_DEVICE");
    }

    @Test
    void symlinkLoopsAreRecordedAndFailOnlyWhenResolved() throws Exception {
        TarWriter tar = new TarWriter();
        tar.symlink("a", "b");
        tar.symlink("b", "/a");
        LayeredFileSystem fs = blobs.build(blobs.tar(tar.finish()));

        assertThat(fs.entry("/a").orElseThrow().linkTarget()).isEqualTo("b");
        assertThatThrownBy(() -> fs.resolve("/a")).isInstanceOf(ImageFileSystem.SymlinkLoopException.class);
    }

    @Test
    void absoluteAndDotSlashNamesAreRootedAndTheRootEntryIsSkipped() throws Exception {
        TarWriter tar = new TarWriter();
        tar.entry("./", '5', 0755, 0, 0, new byte[0], "");
        tar.entry("/abs", '0', 0644, 0, 0, bytes("abs"), "");
        tar.entry("./dot/file", '0', 0644, 0, 0, bytes("dot"), "");
        tar.entry("x/../y", '0', 0644, 0, 0, bytes("y"), "");
        LayeredFileSystem fs = blobs.build(blobs.tar(tar.finish()));

        assertThat(fs.entries().map(FileEntry::path)).containsExactly("/abs", "/dot", "/dot/file", "/y");
        assertThat(text(fs, "/dot/file")).isEqualTo("dot");
    }

    @Test
    void readsZstdAndDockerGzipLayers() throws Exception {
        TarWriter first = new TarWriter();
        first.file("etc/os-release", bytes("ID=test\n"), 0644);
        TarWriter second = new TarWriter();
        byte[] big = random(300_000);
        second.file("usr/lib/big.so", big, 0755);
        Descriptor zstd = blobs.zstd(first.finish());
        Descriptor docker = blobs.put(MediaTypes.DOCKER_LAYER_TAR_GZIP, Blobs.gzipped(second.finish()));

        LayeredFileSystem fs = blobs.build(zstd, docker);

        assertThat(text(fs, "/etc/os-release")).isEqualTo("ID=test\n");
        assertThat(fs.open(fs.entry("/usr/lib/big.so").orElseThrow()).readAllBytes()).isEqualTo(big);
        assertThat(fs.read(fs.entry("/usr/lib/big.so").orElseThrow(), 4)).containsExactly(big[0], big[1], big[2], big[3]);
    }

    @Test
    void readAllStreamsEachNeededLayerOnceAndVisitsFilesBottomUpInTarOrder() throws Exception {
        List<Descriptor> layers = new ArrayList<>();
        for (int layer = 0; layer < 3; layer++) {
            TarWriter tar = new TarWriter();
            for (int file = 0; file < 5; file++) {
                tar.file("l" + layer + "/f" + file, bytes("layer " + layer + " file " + file), 0644);
            }
            layers.add(blobs.gzip(tar.finish()));
        }
        TarWriter unneeded = new TarWriter();
        unneeded.file("other", bytes("not read"), 0644);
        layers.add(blobs.gzip(unneeded.finish()));
        LayeredFileSystem fs = LayeredFileSystem.build(layers, blobs);
        layers.forEach(l -> assertThat(blobs.opened(l)).isEqualTo(1));

        List<FileEntry> wanted = List.of(entry(fs, "/l2/f1"), entry(fs, "/l0/f3"), entry(fs, "/l0/f0"), entry(fs, "/l1/f4"),
                entry(fs, "/l2/f4"), entry(fs, "/l0/f3"));
        Map<String, String> seen = new LinkedHashMap<>();
        fs.readAll(wanted, (file, content) -> seen.put(file.path(), new String(content.readAllBytes(), UTF_8)));

        assertThat(seen).containsExactly(Map.entry("/l0/f0", "layer 0 file 0"), Map.entry("/l0/f3", "layer 0 file 3"),
                Map.entry("/l1/f4", "layer 1 file 4"), Map.entry("/l2/f1", "layer 2 file 1"), Map.entry("/l2/f4", "layer 2 file 4"));
        assertThat(blobs.opened(layers.get(0))).isEqualTo(2);
        assertThat(blobs.opened(layers.get(1))).isEqualTo(2);
        assertThat(blobs.opened(layers.get(2))).isEqualTo(2);
        assertThat(blobs.opened(layers.get(3))).as("no file wanted from it").isEqualTo(1);
    }

    @Test
    void readAllStreamsFilesLargerThanTheInMemoryLimitAndReadsHardLinkedFilesForEachName() throws Exception {
        byte[] big = random(200_000);
        TarWriter tar = new TarWriter();
        tar.file("big", big, 0644);
        tar.hardlink("big.link", "big");
        Descriptor layer = blobs.gzip(tar.finish());
        LayeredFileSystem fs = blobs.build(LayerLimits.defaults().withMaxInMemoryFileBytes(100_000), layer);

        assertThatThrownBy(() -> fs.open(entry(fs, "/big"))).isInstanceOfSatisfying(LayerException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(LayerException.Kind.LIMIT_EXCEEDED);
                    assertThat(e.aboutOneFile()).as("one file too large, in a layer that reads fine").isTrue();
                })
                .hasMessageContaining("/big").hasMessageContaining("over the in-memory limit of 100000");
        Map<String, byte[]> seen = new LinkedHashMap<>();
        fs.readAll(List.of(entry(fs, "/big"), entry(fs, "/big.link")), (file, content) -> {
            ByteArrayOutputStream copy = new ByteArrayOutputStream();
            content.transferTo(copy);
            seen.put(file.path(), copy.toByteArray());
        });
        assertThat(seen.keySet()).containsExactly("/big", "/big.link");
        assertThat(seen.values()).allSatisfy(bytes -> assertThat(bytes).isEqualTo(big));
        assertThat(blobs.opened(layer)).as("index, then one pass per name: too large to share from memory").isEqualTo(3);
    }

    @Test
    void readAllReadsASmallHardLinkedFileOnceForAllItsNames() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("usr/bin/python3.11", bytes("python"), 0755);
        tar.hardlink("usr/bin/python3", "usr/bin/python3.11");
        tar.hardlink("usr/bin/python", "usr/bin/python3.11");
        Descriptor layer = blobs.gzip(tar.finish());
        LayeredFileSystem fs = blobs.build(layer);

        Map<String, String> seen = new LinkedHashMap<>();
        fs.readAll(List.of(entry(fs, "/usr/bin/python"), entry(fs, "/usr/bin/python3"), entry(fs, "/usr/bin/python3.11")),
                (file, content) -> seen.put(file.path(), new String(content.readAllBytes(), UTF_8)));

        assertThat(seen).containsOnly(Map.entry("/usr/bin/python", "python"), Map.entry("/usr/bin/python3", "python"),
                Map.entry("/usr/bin/python3.11", "python"));
        assertThat(blobs.opened(layer)).isEqualTo(2);
    }

    @Test
    void readAllPassesTheVisitorsOwnExceptionsThrough() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("f", bytes("f"), 0644);
        LayeredFileSystem fs = blobs.build(blobs.gzip(tar.finish()));
        IOException mine = new IOException("visitor gave up");

        assertThatThrownBy(() -> fs.readAll(List.of(entry(fs, "/f")), (file, content) -> {
            throw mine;
        })).isSameAs(mine);
    }

    @Test
    void readAllRefusesEntriesThatAreNotRegularFilesOfThisImage() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("dir/f", bytes("f"), 0644);
        LayeredFileSystem fs = blobs.build(blobs.gzip(tar.finish()));
        FileEntry stranger = new FileEntry("/nope", FileType.REGULAR, 0644, 0, 0, 1, null, "x", 0);

        assertThatThrownBy(() -> fs.readAll(List.of(entry(fs, "/dir")), (f, c) -> { }))
                .hasMessage("/dir is not a regular file of this image (it is a DIRECTORY)");
        assertThatThrownBy(() -> fs.readAll(List.of(stranger), (f, c) -> { }))
                .hasMessage("/nope is not a regular file of this image (no such entry)");
    }

    @Test
    void gzipLayersOfSeveralMembersAreReadWholeEvenWhenTheSourceCannotSayMoreIsAvailable() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("first", random(5000), 0644);
        tar.file("second", bytes("in the second member"), 0644);
        byte[] archive = tar.finish();
        int split = 3 * 512;
        byte[] part1 = Blobs.gzipped(java.util.Arrays.copyOfRange(archive, 0, split));
        byte[] part2 = Blobs.gzipped(java.util.Arrays.copyOfRange(archive, split, archive.length));
        byte[] members = new byte[part1.length + part2.length];
        System.arraycopy(part1, 0, members, 0, part1.length);
        System.arraycopy(part2, 0, members, part1.length, part2.length);
        Descriptor layer = blobs.put(MediaTypes.OCI_LAYER_TAR_GZIP, members);
        BlobSource stingy = blob -> new FilterInputStream(blobs.open(blob)) {
            @Override
            public int available() {
                return 0; // like a network stream
            }
        };

        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), stingy);

        assertThat(fs.entry("/second")).isPresent();
        assertThat(text(fs, "/second")).isEqualTo("in the second member");
    }

    @Test
    void aReadFailsWhenTheLayerChangedAfterTheViewWasBuilt() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("etc/passwd", bytes("root:x:0:0::/root:/bin/sh\n"), 0644);
        Descriptor layer = blobs.gzip(tar.finish());
        LayeredFileSystem fs = blobs.build(layer);
        TarWriter evil = new TarWriter();
        evil.file("etc/passwd", bytes("root::0:0::/root:/bin/sh\n"), 0644);
        blobs.tamper(layer, Blobs.gzipped(evil.finish()));

        assertThatThrownBy(() -> fs.open(entry(fs, "/etc/passwd"))).isInstanceOfSatisfying(LayerException.class, e -> {
            assertThat(e.kind()).isEqualTo(LayerException.Kind.DIGEST_MISMATCH);
            assertThat(e.layer()).isEqualTo(layer.digest());
        }).hasMessageStartingWith("layer 0 (" + layer.digest() + "): the blob is not what its descriptor says");
    }

    private static FileEntry entry(LayeredFileSystem fs, String path) {
        return fs.entry(path).orElseThrow(() -> new AssertionError("no " + path));
    }

    private static String text(LayeredFileSystem fs, String path) throws IOException {
        try (InputStream in = fs.open(fs.resolve(path).orElseThrow(() -> new AssertionError("no " + path)))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(UTF_8);
    }

    static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }
}
