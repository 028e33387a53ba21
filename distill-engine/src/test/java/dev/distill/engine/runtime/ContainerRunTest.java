package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ContainerRunTest {

    @Test
    void aProcessStartTimeIsReadFromProcWhileItLivesAndNotOnceItIsGone() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        try {
            long started = ContainerRun.startTicks((int) p.pid());
            assertThat(started).isPositive();
            assertThat(ContainerRun.startTicks((int) p.pid())).as("the same process, the same start").isEqualTo(started);
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        assertThat(ContainerRun.startTicks((int) p.pid())).as("gone").isEqualTo(-1);
        assertThat(ContainerRun.startTicks(Integer.MAX_VALUE)).as("no such pid").isEqualTo(-1);
    }

    @Test
    void aProcessWhoseNameHoldsSpacesAndParenthesesIsStillRead() throws Exception {
        // comm is the executable's name: "a) b" puts a ") " inside the field the parser must skip.
        Path dir = Files.createTempDirectory("comm");
        Path odd = dir.resolve("a) b");
        Files.copy(Path.of("/bin/sleep"), odd);
        odd.toFile().setExecutable(true);
        Process p = new ProcessBuilder(odd.toString(), "30").start();
        try {
            long expected = Long.parseLong(Files.readString(Path.of("/proc/" + p.pid() + "/stat"))
                    .replaceFirst("^.*\\) ", "").split(" ")[19]);
            assertThat(ContainerRun.startTicks((int) p.pid())).isEqualTo(expected);
        } finally {
            p.destroyForcibly();
            p.waitFor();
            Files.deleteIfExists(odd);
            Files.deleteIfExists(dir);
        }
    }
}
