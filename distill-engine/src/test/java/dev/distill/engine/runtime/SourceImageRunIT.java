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
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fat Debian PHP fixture (supervisord running nginx and php-fpm as root) run the way the verifier runs a source
 * image: a writable root, Docker's capabilities. It unpacks some 200 MB, so it runs with {@code -Pe2e}.
 */
class SourceImageRunIT {

    @TempDir
    Path temp;

    @Test
    void theDebianPhpFixtureServesItsPhpPageUnderSupervisord() throws Exception {
        assumeTrue(Busybox.runnable(), "needs root, runc, nsenter, curl and strace");
        Path layout = FixtureImageRunTest.buildFixture("debian-php");
        OciLayout.LayoutImage image = OciLayout.open(layout).image("latest");
        LayeredFileSystem files = LayeredFileSystem.build(image.layers(), image.blobs());

        try (Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"), Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(60)))) {
            // The fat source image writes into its root (nginx's /var/lib/nginx) and needs its own /run/php.
            RuntimeConfig config = RuntimeConfig.of(image.config(), Identity.resolve(image.config().user(), files))
                    .withWritableRoot();
            ContainerRun run = sandbox.create("php", files, config);
            StraceSession strace = StraceSession.attach(run.pid(), run.bundle().resolve("strace.out"));
            run.start();
            Instant started = run.startedAt();
            ProbeResult http = Prober.of(run).http(HttpCheck.ok(8080, "/"), Duration.ofSeconds(30));
            Duration toFirstAnswer = Duration.between(started, Instant.now());
            ContainerRun.StopOutcome stop = run.stop(Duration.ofSeconds(10));
            FileAccessTrace trace = strace.finish();
            System.out.printf("debian-php trace: %d calls, %d missing (first: %s), %d ignored, %d unresolved, %d unparsed%n",
                    trace.calls(), trace.missing().size(), trace.missing().stream().limit(5).toList(), trace.ignored().size(), trace.unresolved().size(),
                    trace.unparsed());

            System.out.printf("debian-php: unpacked %d files, %d bytes in %d ms; start to first answer %d ms (%d attempts); %s%n%s%n",
                    run.unpack().files(), run.unpack().bytes(), run.unpack().took().toMillis(), toFirstAnswer.toMillis(),
                    http.attempts(), stop, http);
            assertThat(http.passed()).as("%s\n%s", http, run.log()).isTrue();
            assertThat(http.answer().body()).contains("Hello from PHP 8.2");
            // the complete source image: whatever its programs miss is not in it, and none of it is loader noise
            assertThat(trace.missing()).allSatisfy(path -> assertThat(files.entry(path)).isEmpty())
                    .noneMatch(path -> path.contains("glibc-hwcaps") || path.equals("/etc/ld.so.preload"));
            assertThat(trace.unparsed()).isZero();
        }
    }

}
