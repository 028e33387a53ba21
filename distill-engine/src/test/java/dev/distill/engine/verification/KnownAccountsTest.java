package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerLimits;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.WrittenLayer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Accounts kept by the content of their files: a release's unchanged base is not read again, a changed one is. */
class KnownAccountsTest {

    @TempDir
    Path temp;

    private final List<Descriptor> opened = new ArrayList<>();
    private final BlobSource counting = blob -> {
        opened.add(blob);
        return BlobSource.directory(temp.resolve("blobs")).open(blob);
    };

    @Test
    void aReleaseWhoseAccountsLieInAnUnchangedLayerIsNotReadAgainAndAChangedOneIs() throws Exception {
        WrittenLayer base = layer("base", Map.of("/etc/passwd", "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/bin/false\n",
                "/etc/group", "root:x:0:\nwww-data:x:33:\n"));
        WrittenLayer app1 = layer("app1", Map.of("/var/www/index.php", "1"));
        WrittenLayer app2 = layer("app2", Map.of("/var/www/index.php", "2"));
        WrittenLayer users = layer("users", Map.of("/etc/passwd", "root:x:0:0::/root:/bin/sh\nwww-data:x:82:82::/srv:/bin/false\n"));
        KnownAccounts known = new KnownAccounts(8);

        assertThat(Identity.resolve("www-data", known.of(image(base, app1))).uid()).isEqualTo(33);
        assertThat(opened).as("the first image's accounts are read from the base").containsExactly(base.descriptor());
        opened.clear();

        assertThat(Identity.resolve("www-data", known.of(image(base, app2))).home()).isEqualTo("/var/www");
        assertThat(opened).as("the release's accounts are the same bytes: not read").isEmpty();

        assertThat(Identity.resolve("www-data", known.of(image(base, users))).uid())
                .as("a layer that changes /etc/passwd is read").isEqualTo(82);
        assertThat(opened).containsExactlyInAnyOrder(base.descriptor(), users.descriptor());
        assertThat(known.size()).isEqualTo(2);
    }

    @Test
    void pastItsCapacityTheLeastRecentlyUsedAreReadAgain() throws Exception {
        WrittenLayer a = layer("a", Map.of("/etc/passwd", "root:x:0:0::/root:/bin/sh\n"));
        WrittenLayer b = layer("b", Map.of("/etc/passwd", "root:x:0:0::/home/root:/bin/sh\n"));
        KnownAccounts known = new KnownAccounts(1);
        known.of(image(a));
        known.of(image(b));
        opened.clear();

        assertThat(known.of(image(a)).user("root").orElseThrow().home()).isEqualTo("/root");
        assertThat(opened).containsExactly(a.descriptor());
        assertThat(known.size()).isEqualTo(1);
    }

    private LayeredFileSystem image(WrittenLayer... layers) throws Exception {
        List<Descriptor> descriptors = java.util.Arrays.stream(layers).map(WrittenLayer::descriptor).toList();
        LayeredFileSystem fs = LayeredFileSystem.build(descriptors, counting, LayerLimits.defaults());
        opened.clear();  // the index's reads; only the accounts' reads count
        return fs;
    }

    private WrittenLayer layer(String name, Map<String, String> files) throws Exception {
        WrittenLayer layer;
        try (LayerWriter w = new LayerWriter(temp.resolve(name + ".tar.gz"))) {
            for (Map.Entry<String, String> f : new java.util.TreeMap<>(files).entrySet()) {
                w.file(f.getKey(), 0644, 0, 0, f.getValue().getBytes(StandardCharsets.UTF_8));
            }
            layer = w.finish();
        }
        Path file = Files.createDirectories(temp.resolve("blobs/sha256")).resolve(layer.digest().hex());
        Files.move(layer.file(), file);
        return layer;
    }
}
