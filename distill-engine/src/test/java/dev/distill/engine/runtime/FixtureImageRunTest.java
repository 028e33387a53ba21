package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.identity.Identity;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layout.OciLayout;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.runtime.probe.ProbeResult;
import dev.distill.engine.runtime.probe.Prober;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import dev.distill.engine.runtime.trace.StraceSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real fixture image (fixtures/build.sh musl-plugin: a musl program that dlopens a plugin named in its config)
 * from its OCI layout through the layer reader, the unpacker, runc and the HTTP probe, traced as the verifier will.
 */
class FixtureImageRunTest {

    @TempDir
    Path temp;

    @Test
    void theMuslFixtureServesItsPluginsAnswerFromAnUnpackedLayout() throws Exception {
        assumeTrue(Busybox.runnable(), "needs root, runc, nsenter, curl and strace");
        Path layout = buildFixture("musl-plugin");
        OciLayout.LayoutImage image = OciLayout.open(layout).image("latest");
        LayeredFileSystem files = LayeredFileSystem.build(image.layers(), image.blobs());

        try (Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(30)))) {
            RuntimeConfig config = RuntimeConfig.of(image.config(), Identity.resolve(image.config().user(), files));
            ContainerRun run = sandbox.create("greeter", files, config);
            try (StraceSession strace = StraceSession.attach(run.pid(), run.bundle().resolve("strace.out"))) {
                run.start();
                Instant started = run.startedAt();
                ProbeResult http = Prober.of(run).http(HttpCheck.ok(8080, "/"), Duration.ofSeconds(20));
                Duration toFirstAnswer = Duration.between(started, Instant.now());
                run.stop(Duration.ofSeconds(5));
                FileAccessTrace trace = strace.finish();

                assertThat(http.passed()).as("%s", http).isTrue();
                assertThat(http.answer().body()).contains("HELLO FROM THE PLUGIN");
                assertThat(run.unpack().skipped()).isEmpty();
                assertThat(trace.missing()).as("the complete image misses nothing").isEmpty();
                assertThat(trace.ignored()).containsKey("/lib/libgreet.so.1");
                System.out.printf("musl-plugin: unpacked %d files, %d bytes in %d ms; start to first answer %d ms (%d attempts)%n",
                        run.unpack().files(), run.unpack().bytes(), run.unpack().took().toMillis(), toFirstAnswer.toMillis(),
                        http.attempts());
            }
        }
    }

    static Path buildFixture(String name) throws IOException, InterruptedException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("fixtures/build.sh"))) {
            root = root.getParent();
        }
        assumeTrue(root != null, "fixtures/build.sh not found");
        Path log = Files.createTempFile("fixture-" + name, ".log");
        Process p = new ProcessBuilder("bash", root.resolve("fixtures/build.sh").toString(), name).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("fixtures/build.sh " + name + " failed: " + Files.readString(log, StandardCharsets.UTF_8));
        }
        Map<String, String> out = new HashMap<>();
        for (String line : Files.readAllLines(log)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("[")) {
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        Files.delete(log);
        return Path.of(out.get("layout"));
    }
}
