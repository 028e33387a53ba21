package dev.distill.engine.assembly;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.engine.bake.BakedFile;
import dev.distill.engine.fs.FileType;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The files of no package an image lists after its entrypoint's baked steps: what they made is there, what they deleted is not. */
class BakedContentsTest {

    private static BakedFile file(String path, FileType type) {
        return new BakedFile(path, type, 0644, 33, 33, 3, type == FileType.SYMLINK ? "config.php" : null,
                type == FileType.REGULAR ? Path.of("/spool/0") : null, List.of(0), "/entry.sh:11 php artisan config:cache");
    }

    @Test
    void madeFilesJoinTheFilesOfNoPackageAndDeletedOnesLeaveThem() {
        ResultContents before = new ResultContents("dpkg (/var/lib/dpkg/status.d)", List.of(),
                List.of("/app/old.txt", "/app/index.php"), List.of("a note"), null);
        Set<String> carried = Set.of("/app/old.txt", "/app/index.php", "/usr/lib/libxml2.so.2", "/etc/nginx/nginx.conf");
        BakeLayer.Result bake = new BakeLayer.Result(null, List.of(), List.of(), List.of(
                file("/app/cache", FileType.DIRECTORY),
                file("/app/cache/config.php", FileType.REGULAR),
                file("/app/current", FileType.SYMLINK),
                file("/app/index.php", FileType.REGULAR),          // changed, of no package: stays listed once
                file("/etc/nginx/nginx.conf", FileType.REGULAR),   // changed, a package's: stays with its package
                file("/app/old.txt", null)));                      // deleted

        ResultContents after = bake.contents(before, carried);

        assertThat(after.unpackaged()).containsExactly("/app/cache/config.php", "/app/current", "/app/index.php");
        assertThat(after.packageDatabase()).isEqualTo(before.packageDatabase());
        assertThat(after.notes()).containsExactly("a note");
    }
}
