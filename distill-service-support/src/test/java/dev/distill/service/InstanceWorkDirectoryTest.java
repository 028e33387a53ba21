package dev.distill.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceWorkDirectoryTest {

    @TempDir
    Path root;

    /** Holds an instance directory from another process, as a sibling instance would, until it is killed. */
    private Process sibling(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path lock = dir.resolve(InstanceWorkDirectory.LOCK);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path source = root.resolve("Hold.java");
        Files.writeString(source, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                public class Hold {
                    public static void main(String[] a) throws Exception {
                        FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                        c.lock();
                        System.out.println("held");
                        System.out.flush();
                        Thread.sleep(600_000);
                    }
                }
                """);
        Process p = new ProcessBuilder(java, source.toString(), lock.toString()).redirectErrorStream(true).start();
        byte[] line = p.getInputStream().readNBytes(5);
        assertThat(new String(line)).isEqualTo("held\n");
        return p;
    }

    @Test
    void whatADeadInstanceLeftIsRemovedAndALiveOnesDirectoryIsLeftAlone() throws Exception {
        Path dead = root.resolve("instance-builder-svc_1_host_dead");
        Files.createDirectories(dead.resolve("assembly-1/spool"));
        Files.writeString(dead.resolve("assembly-1/spool/layer"), "half written");
        Path crashed = root.resolve("instance-builder-svc_2_host_crashed");
        Process crashing = sibling(crashed);
        Files.createDirectories(crashed.resolve("assembly-2"));
        Path live = root.resolve("instance-builder-svc_3_host_live");
        Process living = sibling(live);
        try {
            crashing.destroyForcibly().waitFor(10, TimeUnit.SECONDS);  // kill -9: the kernel drops its lock

            try (InstanceWorkDirectory mine = InstanceWorkDirectory.claim(root, "builder-svc@4@host/ab12")) {
                assertThat(mine.path()).isEqualTo(root.resolve("instance-builder-svc_4_host_ab12"));
                assertThat(dead).doesNotExist();
                assertThat(crashed).doesNotExist();
                assertThat(live).isDirectory();
                // A second look from another instance leaves this one's directory alone too.
                assertThat(InstanceWorkDirectory.sweep(root)).isEqualTo(List.of());
            }
            assertThat(root.resolve("instance-builder-svc_4_host_ab12")).doesNotExist();
        } finally {
            living.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
