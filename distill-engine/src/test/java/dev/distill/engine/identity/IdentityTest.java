package dev.distill.engine.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.fs.FileEntry;
import dev.distill.engine.fs.FileType;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one resolution of an image's User, by runc's rules; the cases where the four resolvers it replaced
 * disagreed (a bare uid's gid, supplementary groups with and without an explicit group) come first.
 */
class IdentityTest {

    private static final Passwd ACCOUNTS = Passwd.parse("""
            root:x:0:0::/root:/bin/sh
            www-data:x:33:33::/var/www:/usr/sbin/nologin
            app:x:1000:1000::/home/app:/bin/sh
            """, """
            root:x:0:
            www-data:x:33:
            app:x:1000:
            shared:x:500:www-data,other
            audio:x:29:app
            """, new ArrayList<>());

    @Test
    void aBareUidWithoutAnAccountRunsWithGidZeroAndOneWithAnAccountTakesItsPrimaryGroupAndMemberships() {
        assertThat(Identity.resolve("1234", ACCOUNTS)).isEqualTo(new Identity(1234, 0, List.of(), "", ""));
        assertThat(Identity.resolve("33", ACCOUNTS)).isEqualTo(new Identity(33, 33, List.of(500), "www-data", "/var/www"));
    }

    @Test
    void anExplicitGroupReplacesThePrimaryGroupAndAddsNoMemberships() {
        assertThat(Identity.resolve("www-data:shared", ACCOUNTS)).isEqualTo(new Identity(33, 500, List.of(), "www-data", "/var/www"));
        assertThat(Identity.resolve("app:4242", ACCOUNTS)).isEqualTo(new Identity(1000, 4242, List.of(), "app", "/home/app"));
        assertThat(Identity.resolve("65532:65532", ACCOUNTS)).isEqualTo(new Identity(65532, 65532, List.of(), "", ""));
    }

    @Test
    void aNameTakesItsAccountAndEveryGroupListingIt() {
        Identity app = Identity.resolve("app", ACCOUNTS);
        assertThat(app).isEqualTo(new Identity(1000, 1000, List.of(29), "app", "/home/app"));
        assertThat(app.gids()).containsExactly(1000, 29);
        assertThat(app.spec()).isEqualTo("1000:1000");
    }

    @Test
    void nothingMeansRootAsTheImageListsIt() {
        assertThat(Identity.resolve("", ACCOUNTS)).isEqualTo(Identity.ROOT);
        assertThat(Identity.resolve(null, Passwd.parse("", "", new ArrayList<>()))).isEqualTo(Identity.of(0, 0));
    }

    @Test
    void unknownNamesAndMalformedValuesAreRefusedByName() {
        assertThatThrownBy(() -> Identity.resolve("nginx", ACCOUNTS)).hasMessageContaining("'nginx' is not in the image's /etc/passwd");
        assertThatThrownBy(() -> Identity.resolve("www-data:staff", ACCOUNTS)).hasMessageContaining("'staff'");
        assertThatThrownBy(() -> Identity.resolve("www-data:", ACCOUNTS)).hasMessageContaining("'www-data:'");
        assertThatThrownBy(() -> Identity.resolve("99999999999", ACCOUNTS)).hasMessageContaining("out of range");
    }

    @Test
    void permissionsFollowTheClassTheIdentityFallsIn() {
        FileEntry groupOnly = new FileEntry("/x", FileType.REGULAR, 0750, 0, 500, 1, null, null, 0);
        assertThat(Identity.resolve("33", ACCOUNTS).canExecute(groupOnly)).isTrue();
        assertThat(Identity.resolve("www-data:33", ACCOUNTS).canExecute(groupOnly)).isFalse();
        assertThat(Identity.ROOT.canWrite(0555, 1, 1)).isTrue();
        assertThat(Identity.resolve("app", ACCOUNTS).canWrite(0755, 1000, 1000)).isTrue();
        assertThat(Identity.resolve("app", ACCOUNTS).canWrite(0775, 0, 29)).isTrue();
        assertThat(Identity.resolve("app", ACCOUNTS).canWrite(0755, 0, 29)).isFalse();
    }

    @Test
    void anImagesAccountsAreReadInOnePassOverTheLayerThatHoldsBoth(@TempDir Path temp) throws Exception {
        Path blobs = Files.createDirectories(temp.resolve("blobs/sha256"));
        WrittenLayer layer;
        try (LayerWriter w = new LayerWriter(temp.resolve("base.tar.gz"))) {
            w.file("/etc/group", 0644, 0, 0, "root:x:0:\nwww-data:x:33:\nshared:x:500:www-data\n".getBytes(StandardCharsets.UTF_8));
            w.file("/etc/os-release", 0644, 0, 0, "debian\n".getBytes(StandardCharsets.UTF_8));
            w.file("/etc/passwd", 0644, 0, 0, "root:x:0:0::/root:/bin/sh\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n"
                    .getBytes(StandardCharsets.UTF_8));
            layer = w.finish();
        }
        Files.move(layer.file(), blobs.resolve(layer.digest().hex()));
        List<Descriptor> opened = new ArrayList<>();
        BlobSource counting = blob -> {
            opened.add(blob);
            return BlobSource.directory(temp.resolve("blobs")).open(blob);
        };
        LayeredFileSystem image = LayeredFileSystem.build(List.of(layer.descriptor()), counting, LayerLimits.defaults());
        opened.clear();

        Identity who = Identity.resolve("www-data", image);

        assertThat(who).isEqualTo(new Identity(33, 33, List.of(500), "www-data", "/var/www"));
        assertThat(opened).as("passwd and group come from one read of their layer").containsExactly(layer.descriptor());
    }
}
