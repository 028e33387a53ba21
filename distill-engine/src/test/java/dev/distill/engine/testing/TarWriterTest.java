package dev.distill.engine.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the archives with GNU tar, the reader every Debian machine has. */
class TarWriterTest {

    @TempDir
    Path dir;

    @Test
    void gnuTarReadsFilesDirectoriesSymlinksAndLongNames() throws Exception {
        String longName = "deep/" + "d".repeat(90) + "/" + "f".repeat(60) + ".txt";
        TarWriter tar = new TarWriter();
        tar.file("/app/hello.sh", "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8), 0755);
        tar.file("app/data.bin", new byte[513], 0600);
        tar.symlink("/usr/bin/hello", "/app/hello.sh");
        tar.directory("/empty", 0700);
        tar.file(longName, "long".getBytes(StandardCharsets.UTF_8), 0644);
        Path archive = dir.resolve("layer.tar");
        Files.write(archive, tar.finish());

        String listing = run("tar", "-tvf", archive.toString());
        assertThat(listing.lines().map(String::strip).map(line -> line.substring(line.lastIndexOf(' ') + 1)))
                .containsExactly("app/", "app/hello.sh", "app/data.bin", "usr/", "usr/bin/", "/app/hello.sh", "empty/", "deep/",
                        "deep/" + "d".repeat(90) + "/", longName);
        assertThat(listing).contains("-rwxr-xr-x root/root").containsPattern("-rw------- root/root +513 ")
                .contains("lrwxrwxrwx root/root").contains("usr/bin/hello -> /app/hello.sh").contains("drwx------");

        Path out = Files.createDirectory(dir.resolve("out"));
        run("tar", "-xf", archive.toString(), "-C", out.toString());
        assertThat(out.resolve("app/hello.sh")).hasContent("#!/bin/sh\necho hi");
        assertThat(Files.isExecutable(out.resolve("app/hello.sh"))).isTrue();
        assertThat(out.resolve(longName)).hasContent("long");
    }

    @Test
    void sameEntriesGiveSameBytes() {
        TarWriter a = new TarWriter();
        TarWriter b = new TarWriter();
        a.file("x", new byte[] {1}, 0644);
        b.file("x", new byte[] {1}, 0644);
        assertThat(a.finish()).isEqualTo(b.finish());
    }

    @Test
    void rejectsUncleanPathsNamingThem() {
        assertThatThrownBy(() -> new TarWriter().file("a/../b", new byte[0], 0644)).hasMessageContaining("'a/../b'");
        assertThatThrownBy(() -> new TarWriter().file("x".repeat(300), new byte[0], 0644)).hasMessageContaining("too long");
    }

    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
