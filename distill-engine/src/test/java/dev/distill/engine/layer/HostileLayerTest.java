package dev.distill.engine.layer;

import static dev.distill.engine.layer.LayerException.Kind.DIGEST_MISMATCH;
import static dev.distill.engine.layer.LayerException.Kind.LIMIT_EXCEEDED;
import static dev.distill.engine.layer.LayerException.Kind.MALFORMED;
import static dev.distill.engine.layer.LayerException.Kind.UNAVAILABLE;
import static dev.distill.engine.layer.LayerException.Kind.UNSAFE;
import static dev.distill.engine.layer.LayerException.Kind.UNSUPPORTED;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.image.MediaTypes;
import dev.distill.engine.testing.TarWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers built to attack or confuse the reader: each must fail with a message naming layer, entry and problem. */
class HostileLayerTest {

    @TempDir
    Path dir;

    private Blobs blobs;

    @BeforeEach
    void blobs() {
        blobs = new Blobs(dir.resolve("blobs"));
    }

    @Test
    void namesClimbingOutOfTheRootAreRefused() throws Exception {
        for (String name : List.of("../x", "a/../../x", "./../etc/cron.d/evil", "/../x")) {
            TarWriter tar = new TarWriter();
            tar.file("ok", new byte[] {1}, 0644);
            tar.entry(name, '0', 0644, 0, 0, "pwned".getBytes(UTF_8), "");
            Descriptor layer = blobs.tar(tar.finish());

            fails(UNSAFE, layer, name, layer).hasMessageContaining("its name climbs out of the image root with '..'");
        }
        try (Stream<Path> written = Files.walk(dir)) {
            assertThat(written.filter(Files::isRegularFile).map(p -> p.getParent().getFileName().toString()))
                    .as("nothing but the blobs themselves").containsOnly("sha256");
        }
    }

    @Test
    void nulBytesInNamesAreRefused() throws Exception {
        TarWriter tar = new TarWriter();
        tar.pax(Map.of("path", "etc/passwd\0.txt"), false);
        tar.entry("placeholder", '0', 0644, 0, 0, new byte[0], "");
        Descriptor layer = blobs.tar(tar.finish());

        fails(UNSAFE, layer, "etc/passwd\\x00.txt", layer).hasMessageContaining("contains a NUL byte");
    }

    @Test
    void hardLinksMustPointAtAnExistingNonDirectoryInsideTheRoot() throws Exception {
        TarWriter missing = new TarWriter();
        missing.hardlink("bin/sh", "bin/busybox");
        Descriptor l1 = blobs.tar(missing.finish());
        fails(UNSAFE, l1, "bin/sh", l1).hasMessageContaining("hard link to '/bin/busybox', which neither an earlier entry nor a lower layer has");

        TarWriter escaping = new TarWriter();
        escaping.entry("passwd", '1', 0644, 0, 0, new byte[0], "../../etc/passwd");
        Descriptor l2 = blobs.tar(escaping.finish());
        fails(UNSAFE, l2, "passwd", l2).hasMessageContaining("its hard link target '../../etc/passwd' climbs out of the image root");

        TarWriter directory = new TarWriter();
        directory.directory("etc", 0755);
        directory.hardlink("etc2", "etc");
        Descriptor l3 = blobs.tar(directory.finish());
        fails(UNSAFE, l3, "etc2", l3).hasMessageContaining("hard link to the directory '/etc'");

        TarWriter self = new TarWriter();
        self.entry("loop", '1', 0644, 0, 0, new byte[0], "./loop");
        Descriptor l4 = blobs.tar(self.finish());
        fails(UNSAFE, l4, "loop", l4).hasMessageContaining("hard link to itself");
    }

    @Test
    void hardLinkToAFileOfALowerLayerWorks() throws Exception {
        TarWriter base = new TarWriter();
        base.file("bin/busybox", "bb".getBytes(UTF_8), 0755);
        TarWriter top = new TarWriter();
        top.hardlink("bin/sh", "bin/busybox");

        LayeredFileSystem fs = blobs.build(blobs.tar(base.finish()), blobs.tar(top.finish()));

        assertThat(fs.read(fs.entry("/bin/sh").orElseThrow(), 10)).isEqualTo("bb".getBytes(UTF_8));
    }

    @Test
    void entriesUnderASymlinkOrFileAreRefused() throws Exception {
        TarWriter base = new TarWriter();
        base.symlink("lib", "/etc");
        Descriptor l0 = blobs.tar(base.finish());
        TarWriter top = new TarWriter();
        top.entry("lib/cron.d/evil", '0', 0644, 0, 0, new byte[] {1}, "");
        Descriptor l1 = blobs.tar(top.finish());

        fails(UNSAFE, l1, "lib/cron.d/evil", l0, l1).hasMessageContaining("lies under '/lib', which is a symlink, not a directory");
    }

    @Test
    void whiteoutsOfDotOrDotDotAreRefused() throws Exception {
        for (String name : List.of("etc/.wh...", "etc/.wh..", "etc/.wh.")) {
            TarWriter tar = new TarWriter();
            tar.entry(name, '0', 0644, 0, 0, new byte[0], "");
            Descriptor layer = blobs.tar(tar.finish());
            fails(UNSAFE, layer, name, layer).hasMessageContaining("would delete outside its directory");
        }
    }

    @Test
    void theRootMustBeADirectory() throws Exception {
        TarWriter tar = new TarWriter();
        tar.entry("./", '2', 0777, 0, 0, new byte[0], "/elsewhere");
        Descriptor layer = blobs.tar(tar.finish());
        fails(UNSAFE, layer, "./", layer).hasMessageContaining("names the image root but is a SYMLINK");
    }

    @Test
    void decompressionBombsStopAtTheByteLimit() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("zeros", new byte[4 * 1024 * 1024], 0644);
        Descriptor small = blobs.gzip(tar.finish());
        assertThat(small.size()).isLessThan(10_000);

        LayerLimits limits = LayerLimits.defaults().withMaxTotalUncompressedBytes(1024 * 1024);
        assertThatThrownBy(() -> blobs.build(limits, small)).isInstanceOfSatisfying(LayerException.class, e -> {
            assertThat(e.kind()).isEqualTo(LIMIT_EXCEEDED);
            assertThat(e.entry()).isEqualTo("zeros");
        }).hasMessage("layer 0 (" + small.digest() + "), entry 'zeros': the layers decompress to more than 1048576 bytes (the limit)");
    }

    @Test
    void theByteLimitCountsAllLayersTogether() throws Exception {
        TarWriter a = new TarWriter();
        a.file("a", new byte[600_000], 0644);
        TarWriter b = new TarWriter();
        b.file("b", new byte[600_000], 0644);
        Descriptor la = blobs.gzip(a.finish());
        Descriptor lb = blobs.gzip(b.finish());

        fails(LIMIT_EXCEEDED, LayerLimits.defaults().withMaxTotalUncompressedBytes(1_000_000), lb, "b", la, lb)
                .hasMessageContaining("decompress to more than 1000000 bytes");
    }

    @Test
    void tooManyEntriesStopAtTheEntryLimit() throws Exception {
        TarWriter tar = new TarWriter();
        for (int i = 0; i < 20; i++) {
            tar.file("f" + i, new byte[0], 0644);
        }
        Descriptor layer = blobs.gzip(tar.finish());
        fails(LIMIT_EXCEEDED, LayerLimits.defaults().withMaxEntries(10), layer, "f10", layer)
                .hasMessageContaining("more than 10 entries (the limit)");
    }

    @Test
    void longPathsAndLinkTargetsStopAtThePathLimit() throws Exception {
        String deep = "d/".repeat(40) + "file";
        TarWriter tar = new TarWriter();
        tar.entry(deep, '0', 0644, 0, 0, new byte[0], "");
        Descriptor layer = blobs.tar(tar.finish());
        fails(LIMIT_EXCEEDED, LayerLimits.defaults().withMaxPathLength(60), layer, deep, layer)
                .hasMessageContaining("path of 85 characters is over the limit of 60");

        TarWriter link = new TarWriter();
        link.pax(Map.of("linkpath", "x".repeat(100)), false);
        link.entry("l", '2', 0777, 0, 0, new byte[0], "");
        Descriptor linkLayer = blobs.tar(link.finish());
        fails(LIMIT_EXCEEDED, LayerLimits.defaults().withMaxPathLength(60), linkLayer, "l", linkLayer)
                .hasMessageContaining("symlink target of 100 characters is over the limit of 60");

        TarWriter gnu = new TarWriter();
        gnu.gnuLong('L', "n".repeat(2000));
        gnu.entry("short", '0', 0644, 0, 0, new byte[0], "");
        Descriptor gnuLayer = blobs.tar(gnu.finish());
        fails(LIMIT_EXCEEDED, LayerLimits.defaults().withMaxPathLength(60), gnuLayer, null, gnuLayer)
                .hasMessageContaining("GNU long name of 2001 bytes is over the limit of 1264");
    }

    @Test
    void truncatedGzipIsAnErrorNotAShorterLayer() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("a", LayeredFileSystemTest.random(50_000), 0644);
        tar.file("b", LayeredFileSystemTest.random(50_000), 0644);
        byte[] gzip = Blobs.gzipped(tar.finish());
        Descriptor cut = blobs.put(MediaTypes.OCI_LAYER_TAR_GZIP, Arrays.copyOf(gzip, gzip.length / 2));

        assertThatThrownBy(() -> blobs.build(cut)).isInstanceOfSatisfying(LayerException.class, e -> {
            assertThat(e.kind()).isEqualTo(MALFORMED);
            assertThat(e.entry()).as("cut inside a file's data").isIn("a", "b");
        }).hasMessageStartingWith("layer 0 (" + cut.digest() + "), entry '").hasMessageContaining("the gzip stream ends early (truncated)");
    }

    @Test
    void truncatedZstdIsAnError() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("a", LayeredFileSystemTest.random(50_000), 0644);
        byte[] zstd = Blobs.zstded(tar.finish());
        Descriptor cut = blobs.put(MediaTypes.OCI_LAYER_TAR_ZSTD, Arrays.copyOf(zstd, zstd.length / 2));

        assertThatThrownBy(() -> blobs.build(cut)).isInstanceOfSatisfying(LayerException.class,
                e -> assertThat(e.kind()).isEqualTo(MALFORMED)).hasMessageContaining(cut.digest().toString());
    }

    @Test
    void truncatedTarIsAnError() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("a", new byte[5000], 0644);
        byte[] archive = tar.finish();
        Descriptor insideData = blobs.tar(Arrays.copyOf(archive, 512 + 2048));
        fails(MALFORMED, insideData, "a", insideData).hasMessageContaining("ends inside this entry's data, 2952 bytes short (truncated)");

        // Without the end-of-archive block but ending between entries: what container runtimes accept.
        Descriptor noEndMarker = blobs.tar(Arrays.copyOf(archive, archive.length - 1024));
        assertThat(blobs.build(noEndMarker).entry("/a")).isPresent();

        Descriptor insideHeader = blobs.tar(Arrays.copyOf(archive, archive.length - 1024 + 100));
        fails(MALFORMED, insideHeader, null, insideHeader).hasMessageContaining("the tar stream ends inside a header after entry 'a'");
    }

    @Test
    void wrongDigestAndWrongSizeAreRefused() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("etc/passwd", "root:x:0:0::/root:/bin/sh\n".getBytes(UTF_8), 0644);
        byte[] archive = tar.finish();
        Descriptor layer = blobs.tar(archive);
        byte[] tampered = archive.clone();
        tampered[512 + 1024 + 2] = 'X'; // in the data of etc/passwd
        blobs.tamper(layer, tampered);
        fails(DIGEST_MISMATCH, layer, null, layer).hasMessageContaining("the blob is not what its descriptor says")
                .hasMessageContaining("expected " + layer.digest());

        byte[] brokenHeader = archive.clone();
        brokenHeader[600] = 'X'; // in the header of etc/passwd: the tar does not parse, but the digest is the real problem
        blobs.tamper(layer, brokenHeader);
        fails(DIGEST_MISMATCH, layer, null, layer).hasMessageContaining("the blob is not what its descriptor says");

        Descriptor shorter = new Descriptor(MediaTypes.OCI_LAYER_TAR, layer.digest(), layer.size() - 512);
        fails(DIGEST_MISMATCH, shorter, null, shorter).hasMessageContaining("longer than the expected");
    }

    @Test
    void unknownMediaTypesFailBeforeAnythingIsFetched() {
        Descriptor layer = new Descriptor("application/vnd.oci.image.layer.v1.tar+lz4", Digest.sha256(new byte[] {1}), 1);
        BlobSource never = blob -> {
            throw new AssertionError("fetched " + blob);
        };
        assertThatThrownBy(() -> LayeredFileSystem.build(List.of(layer), never))
                .isInstanceOfSatisfying(LayerException.class, e -> assertThat(e.kind()).isEqualTo(UNSUPPORTED))
                .hasMessageStartingWith("layer 0 (" + layer.digest() + "): unsupported layer media type "
                        + "'application/vnd.oci.image.layer.v1.tar+lz4' (Distill reads application/vnd.oci.image.layer.v1.tar, ");
    }

    @Test
    void nonTarPayloadsAreRefused() throws Exception {
        byte[] json = "{\"not\":\"a tar\"}".getBytes(UTF_8);
        Descriptor gzipJson = blobs.gzip(json);
        fails(MALFORMED, gzipJson, null, gzipJson).hasMessageContaining("not a tar archive: the stream has only 15 bytes");

        byte[] text = ("hello ".repeat(200)).getBytes(UTF_8);
        Descriptor plain = blobs.tar(text);
        fails(MALFORMED, plain, null, plain).hasMessageContaining("not a tar archive: the first header's checksum does not match");

        Descriptor notGzip = blobs.put(MediaTypes.OCI_LAYER_TAR_GZIP, text);
        fails(MALFORMED, notGzip, null, notGzip).hasMessageContaining("not a valid gzip stream: Not in GZIP format");

        Descriptor notZstd = blobs.put(MediaTypes.OCI_LAYER_TAR_ZSTD, text);
        fails(MALFORMED, notZstd, null, notZstd).hasMessageContaining("not a valid zstd stream");

        Descriptor empty = blobs.tar(new byte[0]);
        fails(MALFORMED, empty, null, empty).hasMessageContaining("not a tar archive: the stream is empty");
    }

    @Test
    void corruptHeadersLaterInTheArchiveAreRefused() throws Exception {
        TarWriter tar = new TarWriter();
        tar.file("a", new byte[10], 0644);
        tar.file("b", new byte[10], 0644);
        byte[] archive = tar.finish();
        archive[1024 + 5] ^= 1; // inside the name of b's header
        Descriptor layer = blobs.tar(archive);

        fails(MALFORMED, layer, null, layer).hasMessageContaining("corrupt tar header after entry 'a': its checksum does not match");
    }

    @Test
    void unsupportedEntryTypesAreRefused() throws Exception {
        TarWriter paxSparse = new TarWriter();
        paxSparse.pax(Map.of("GNU.sparse.major", "2", "GNU.sparse.minor", "0"), false);
        paxSparse.entry("disk.img", '0', 0644, 0, 0, new byte[0], "");
        Descriptor l2 = blobs.tar(paxSparse.finish());
        fails(UNSUPPORTED, l2, "disk.img", l2).hasMessageContaining("GNU sparse format 2.0 (Distill reads 0.0, 0.1 and 1.0)");

        TarWriter unknown = new TarWriter();
        unknown.entry("what", 'Z', 0644, 0, 0, new byte[0], "");
        Descriptor l3 = blobs.tar(unknown.finish());
        fails(UNSUPPORTED, l3, "what", l3).hasMessageContaining("unsupported tar entry type 'Z'");
    }

    @Test
    void controlCharactersInNamesAreEscapedInMessages() throws Exception {
        TarWriter tar = new TarWriter();
        tar.pax(Map.of("path", "../\u001b[2Jx"), false);
        tar.entry("placeholder", '0', 0644, 0, 0, new byte[0], "");
        Descriptor layer = blobs.tar(tar.finish());

        fails(UNSAFE, layer, "../\\x1b[2Jx", layer);
    }

    @Test
    void aSourceThatDoesNotVerifyStillCannotSlipAChangedLayerIntoAReadAll() throws Exception {
        TarWriter original = new TarWriter();
        original.file("a", "a".getBytes(UTF_8), 0644);
        original.file("b", "b".getBytes(UTF_8), 0644);
        byte[] first = original.finish();
        TarWriter swapped = new TarWriter();
        swapped.directory("a", 0755);
        swapped.file("b", new byte[100_000], 0644);
        byte[] second = swapped.finish();
        Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER_TAR, Digest.sha256(first), first.length);
        byte[][] served = {first};
        BlobSource trusting = blob -> new java.io.ByteArrayInputStream(served[0]);
        LayeredFileSystem fs = LayeredFileSystem.build(List.of(layer), trusting);
        served[0] = second;

        assertThatThrownBy(() -> fs.open(fs.entry("/a").orElseThrow())).isInstanceOfSatisfying(LayerException.class,
                e -> assertThat(e.kind()).isEqualTo(DIGEST_MISMATCH))
                .hasMessageContaining("expected the data of /a here, found a DIRECTORY: the layer changed since it was indexed");
        assertThatThrownBy(() -> fs.open(fs.entry("/b").orElseThrow())).isInstanceOfSatisfying(LayerException.class,
                e -> assertThat(e.kind()).isEqualTo(DIGEST_MISMATCH))
                .hasMessageContaining("the layer decompresses to more bytes than when it was indexed");
    }

    @Test
    void limitsMustBePositive() {
        assertThatThrownBy(() -> LayerLimits.defaults().withMaxEntries(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be positive");
        assertThat(LayerLimits.defaults()).isEqualTo(new LayerLimits(8L << 30, 1_000_000, 4096, 64L << 20));
    }

    @Test
    void aMissingBlobIsUnavailable() {
        Descriptor layer = new Descriptor(MediaTypes.OCI_LAYER_TAR, Digest.sha256("absent".getBytes(UTF_8)), 6);
        fails(UNAVAILABLE, layer, null, layer).hasMessageContaining("cannot read the blob")
                .hasMessageContaining("no blob " + layer.digest());
    }

    private AbstractThrowableAssert<?, ? extends Throwable> fails(LayerException.Kind kind, Descriptor culprit, String entry,
            Descriptor... layers) {
        return fails(kind, LayerLimits.defaults(), culprit, entry, layers);
    }

    private AbstractThrowableAssert<?, ? extends Throwable> fails(LayerException.Kind kind, LayerLimits limits, Descriptor culprit,
            String entry, Descriptor... layers) {
        int index = Arrays.asList(layers).indexOf(culprit);
        return assertThatThrownBy(() -> blobs.build(limits, layers)).isInstanceOfSatisfying(LayerException.class, e -> {
            assertThat(e.kind()).as(e.getMessage()).isEqualTo(kind);
            assertThat(e.layer()).isEqualTo(culprit.digest());
        }).hasMessageStartingWith("layer " + index + " (" + culprit.digest() + ")" + (entry != null ? ", entry '" + entry + "': " : ": "));
    }
}
