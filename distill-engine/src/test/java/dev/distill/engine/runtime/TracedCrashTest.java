package dev.distill.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.runtime.trace.StraceSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A program that crashes as its container's init while traced: the kernel keeps a traced init from dying of its own
 * fault, so it would re-fault until the time limit; the trace session ends it as the crash would have. Under the
 * sandbox's confinement (user namespace, seccomp profile), as the verifier runs sources and results.
 */
class TracedCrashTest {

    @TempDir
    Path temp;

    @Test
    void aTracedInitThatSegfaultsIsEndedAtOnceAndTheSessionSaysWhy() throws Exception {
        assumeTrue(Busybox.runnable(), "needs root, runc, nsenter, curl, strace and /bin/busybox");
        Path source = temp.resolve("crash.c");
        Files.writeString(source, "int main(void) { volatile int *p = 0; return *p; }\n");
        Path binary = temp.resolve("crash");
        Process gcc = new ProcessBuilder("gcc", "-static", "-O1", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0, "gcc -static (libc6-dev) failed: " + out);

        try (Sandbox sandbox = Sandbox.open(temp.resolve("sandbox"),
                Sandbox.Options.defaults().withTimeLimit(Duration.ofSeconds(60)))) {
            ContainerRun run = sandbox.create("crash", Busybox.image().file("/crash", Files.readAllBytes(binary), 0755).build(),
                    Busybox.config("/crash"));
            // Confined as every container is: its own user namespace (the init runs as an unprivileged host id) and
            // the seccomp profile, which refuses ptrace to the container's processes but not to the host's strace.
            assertThat(Files.readString(run.bundle().resolve("config.json"))).contains("\"uidMappings\"", "\"seccomp\"");
            assertThat(Files.readAllLines(Path.of("/proc", Integer.toString(run.pid()), "status")))
                    .filteredOn(l -> l.startsWith("Uid:")).singleElement().asString().doesNotMatch("Uid:\\s+0\\s.*");
            try (StraceSession strace = StraceSession.attach(run.pid(), run.bundle().resolve("strace.out"))) {
                long start = System.nanoTime();
                run.start();

                assertThat(run.awaitExit(Duration.ofSeconds(15))).as("the crashed init was ended").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
                assertThat(run.timedOut()).isFalse();
                assertThat(strace.killedOnFault()).hasValueSatisfying(f -> {
                    assertThat(f.signal()).isEqualTo("SIGSEGV");
                    assertThat(f.info()).startsWith("{si_signo=SIGSEGV");
                    assertThat(f.exitStatus()).isEqualTo(139);
                });
                assertThat(strace.finish().executions()).singleElement()
                        .satisfies(e -> assertThat(e.executable()).isEqualTo("/crash"));
            }
        }
    }
}
