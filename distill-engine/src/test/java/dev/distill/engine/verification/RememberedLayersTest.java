package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.image.Descriptor;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerIndex;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.WrittenLayer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layer indexes kept by digest between a verifier's pulls: a layer seen before is not read again, within a bound. */
class RememberedLayersTest {

    @TempDir
    Path temp;

    @Test
    void aLayerSeenBeforeIsMergedFromItsIndexWithoutReadingItsBlob() throws Exception {
        WrittenLayer base = layer("base", "/etc/os-release", "debian\n");
        WrittenLayer app = layer("app", "/app/index.php", "<?php echo 1;\n");
        Path blobs = temp.resolve("blobs");
        LayeredFileSystem first;
        List<Descriptor> opened = new ArrayList<>();
        BlobSource counting = blob -> {
            opened.add(blob);
            return BlobSource.directory(blobs).open(blob);
        };
        RememberedLayers remembered = new RememberedLayers(1000);

        first = LayeredFileSystem.build(List.of(base.descriptor(), app.descriptor()), counting,
                LayerLimits.defaults(), null, remembered);
        List<Descriptor> firstReads = List.copyOf(opened);
        opened.clear();
        WrittenLayer release = layer("release", "/app/index.php", "<?php echo 2;\n");
        LayeredFileSystem second = LayeredFileSystem.build(List.of(base.descriptor(), release.descriptor()), counting,
                LayerLimits.defaults(), null, remembered);

        assertThat(firstReads).containsExactly(base.descriptor(), app.descriptor());
        assertThat(opened).as("only the layer not seen before is read").containsExactly(release.descriptor());
        assertThat(second.entry("/etc/os-release")).isPresent();
        assertThat(new String(second.read(second.entry("/app/index.php").orElseThrow(), 100), StandardCharsets.UTF_8))
                .isEqualTo("<?php echo 2;\n");
        opened.clear();
        assertThat(new String(second.read(second.entry("/etc/os-release").orElseThrow(), 100), StandardCharsets.UTF_8))
                .isEqualTo("debian\n");
        assertThat(opened).as("a file of a remembered layer is read from its blob").containsExactly(base.descriptor());
        assertThat(remembered.size()).isEqualTo(3);
    }

    @Test
    void theLeastRecentlyUsedGoFirstPastTheBoundOnEntries() {
        RememberedLayers remembered = new RememberedLayers(5);
        Descriptor a = descriptor('a');
        Descriptor b = descriptor('b');
        Descriptor c = descriptor('c');

        remembered.indexed(0, a, index(2));
        remembered.indexed(1, b, index(2));
        assertThat(remembered.recall(0, a)).isNotNull();  // a is now the most recently used
        remembered.indexed(2, c, index(2));               // 6 entries > 5: b, the least recently used, goes
        remembered.indexed(3, descriptor('d'), index(6)); // larger than the bound alone: not kept at all

        assertThat(remembered.recall(0, b)).isNull();
        assertThat(remembered.recall(0, a)).isNotNull();
        assertThat(remembered.recall(0, c)).isNotNull();
        assertThat(remembered.recall(0, descriptor('d'))).isNull();
        assertThat(remembered.size()).isEqualTo(2);
    }

    private WrittenLayer layer(String name, String path, String content) throws Exception {
        WrittenLayer layer;
        try (LayerWriter w = new LayerWriter(temp.resolve(name + ".tar.gz"))) {
            w.file(path, 0644, 0, 0, content.getBytes(StandardCharsets.UTF_8));
            layer = w.finish();
        }
        Path file = Files.createDirectories(temp.resolve("blobs/sha256")).resolve(layer.digest().hex());
        Files.move(layer.file(), file);
        return layer;
    }

    private static Descriptor descriptor(char hex) {
        return new Descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                dev.distill.engine.image.Digest.parse("sha256:" + String.valueOf(hex).repeat(64)), 1);
    }

    private static LayerIndex index(int entries) {
        List<dev.distill.engine.layer.TarEntry> list = new ArrayList<>();
        for (int i = 0; i < entries; i++) {
            list.add(new dev.distill.engine.layer.TarEntry(i, "f" + i, dev.distill.engine.fs.FileType.REGULAR, 0644, 0, 0, 0,
                    null, null, null));
        }
        return new LayerIndex(0, 0, list);
    }
}
