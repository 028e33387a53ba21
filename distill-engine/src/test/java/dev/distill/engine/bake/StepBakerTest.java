package dev.distill.engine.bake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.fs.FileType;
import dev.distill.engine.fs.MemoryFileSystem;
import dev.distill.engine.image.ImageConfig;
import dev.distill.engine.plan.PrestartPlan;
import dev.distill.engine.plan.PrestartStep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Baked steps under real runc, in a busybox image: what each step made, changed and deleted, and failures. */
class StepBakerTest {

    private static final List<String> APPLETS = List.of("sh", "mkdir", "ln", "rm", "chown", "cat", "echo", "touch", "sleep");

    @TempDir
    Path work;

    @BeforeAll
    static void needsRunc() {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/bin/busybox"))
                && (Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc"))),
                "needs root, runc and /bin/busybox");
    }

    static MemoryFileSystem image() throws IOException {
        MemoryFileSystem.Builder b = MemoryFileSystem.builder()
                .file("/bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755)
                .file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000::/www:/bin/sh\n")
                .file("/etc/group", "root:x:0:\nwww:x:1000:\n")
                .directory("/tmp", 01777)
                .directory("/app", 0755)
                .file("/app/conf", "name=$NAME\n")
                .file("/app/old.txt", "stale\n");
        APPLETS.forEach(a -> b.symlink("/bin/" + a, "busybox"));
        return b.build();
    }

    static ImageConfig config() {
        return new ImageConfig(List.of("/bin/sh"), List.of(), "", List.of("PATH=/bin", "FROM_IMAGE=image"), List.of(), "/app",
                null, null, null);
    }

    static PrestartStep step(int line, List<String> command, List<String> env, PrestartStep.Redirect... redirects) {
        return new PrestartStep("/entry.sh", line, String.join(" ", command), PrestartStep.Action.BAKE, "test", command, env,
                "/app", "0:0", List.of(redirects), null, List.of());
    }

    @Test
    void eachFileAStepMadeChangedOrDeletedIsFoundWithTheStepThatDidIt() throws Exception {
        PrestartPlan plan = new PrestartPlan("/bin/sh", List.of(
                step(3, List.of("mkdir", "-p", "cache/views"), List.of()),
                step(4, List.of("echo", "hello"), List.of(), new PrestartStep.Redirect(1, ">", "/app/cache/hello.txt")),
                step(5, List.of("ln", "-s", "cache/hello.txt", "current"), List.of()),
                step(6, List.of("rm", "old.txt"), List.of()),
                step(7, List.of("sh", "-c", "echo \"$FROM_STEP $FROM_IMAGE\" > env.txt"), List.of("FROM_STEP=step")),
                step(8, List.of("chown", "-R", "1000:1000", "cache"), List.of())), List.of());
        try (Bake bake = new StepBaker(StepBaker.Options.defaults(work)).bake(image(), config(), plan)) {
            Map<String, BakedFile> files = bake.files().stream().collect(Collectors.toMap(BakedFile::path, Function.identity()));
            assertThat(files.keySet()).containsExactlyInAnyOrder("/app/cache", "/app/cache/views", "/app/cache/hello.txt",
                    "/app/current", "/app/old.txt", "/app/env.txt");
            assertThat(files.get("/app/cache").type()).isEqualTo(FileType.DIRECTORY);
            assertThat(files.get("/app/cache").uid()).isEqualTo(1000);
            assertThat(files.get("/app/cache").steps()).containsExactly(0, 5);
            assertThat(files.get("/app/cache").madeBy()).isEqualTo("/entry.sh:8 chown -R 1000:1000 cache");
            BakedFile hello = files.get("/app/cache/hello.txt");
            assertThat(Files.readString(hello.content())).isEqualTo("hello\n");
            assertThat(hello.gid()).isEqualTo(1000);
            assertThat(hello.steps()).containsExactly(1, 5);
            assertThat(files.get("/app/current").linkTarget()).isEqualTo("cache/hello.txt");
            assertThat(files.get("/app/current").steps()).containsExactly(2);
            assertThat(files.get("/app/old.txt").deleted()).isTrue();
            assertThat(files.get("/app/old.txt").madeBy()).startsWith("/entry.sh:6");
            assertThat(Files.readString(files.get("/app/env.txt").content())).isEqualTo("step image\n");
            assertThat(bake.runs()).extracting(Bake.StepRun::exitStatus).containsOnly(0);
            assertThat(bake.runs()).hasSize(6);
            assertThat(bake.spool()).exists();
        }
        assertThat(work).isEmptyDirectory();
    }

    @Test
    void aFailingStepFailsTheBakeWithItsOutput() throws Exception {
        PrestartPlan plan = new PrestartPlan("/bin/sh", List.of(
                step(3, List.of("mkdir", "made"), List.of()),
                step(9, List.of("sh", "-c", "echo broken config >&2; exit 3"), List.of())), List.of());
        assertThatThrownBy(() -> new StepBaker(StepBaker.Options.defaults(work)).bake(image(), config(), plan))
                .isInstanceOf(BakeException.class)
                .hasMessageContaining("/entry.sh:9").hasMessageContaining("exited with 3").hasMessageContaining("broken config");
        assertThat(work).isEmptyDirectory();
    }

    @Test
    void aStepThatDoesNotEndIsKilledAtTheTimeLimit() throws Exception {
        PrestartPlan plan = new PrestartPlan("/bin/sh", List.of(step(4, List.of("sleep", "600"), List.of())), List.of());
        StepBaker baker = new StepBaker(StepBaker.Options.defaults(work).withTimeLimit(Duration.ofSeconds(2)));
        assertThatThrownBy(() -> baker.bake(image(), config(), plan)).isInstanceOf(BakeException.class)
                .hasMessageContaining("/entry.sh:4").hasMessageContaining("time limit of 2 s");
        assertThat(work).isEmptyDirectory();
    }

    @Test
    void theScriptQuotesEveryWordAndRedirection() {
        String script = StepBaker.script(List.of(step(2, List.of("envsubst", "it's"), List.of("A=b c"),
                new PrestartStep.Redirect(0, "<", "/t pl"), new PrestartStep.Redirect(2, ">>", "/log"))));
        assertThat(script).contains("( cd -- '/app' && export 'A=b c' && 'envsubst' 'it'\\''s' < '/t pl' 2>> '/log' ); s=$?");
    }
}
