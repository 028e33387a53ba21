package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.structure.CommandAttempt;
import dev.distill.engine.structure.CommandOutcome;
import dev.distill.engine.structure.StructureTestReport;
import dev.distill.engine.structure.StructureTestResult;
import dev.distill.engine.structure.StructureTestSuite;
import dev.distill.engine.structure.StructureTestYaml;
import dev.distill.engine.structure.StructureTestRunner;
import dev.distill.engine.image.ImageConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Structure-test commands of one image run in one container (issue 15): created once, never started, each command a
 * {@code runc exec} into it with its own exit status, stdout, stderr and time limit, and the container's confinement.
 * In this process here; through the sandbox runner in {@link SandboxRunnerIT}, with the same batch and checks.
 * Needs root, runc and /bin/busybox.
 */
class CommandBatchIT {

    /** Each command's limit: the hanging one is killed at it, the others end far sooner. */
    static final Duration LIMIT = Duration.ofSeconds(3);

    @TempDir
    Path temp;

    /**
     * What every batch test runs: the pid namespace twice (the same one: one container), two outcomes with separate
     * streams and a command's own environment, a command that hangs, one that cannot start, the container's init (which
     * never started) and the confinement an exec'd command gets.
     */
    static List<RuntimeConfig> batch() {
        List<RuntimeConfig> commands = new ArrayList<>();
        commands.add(SandboxRunnerIT.config("/bin/readlink", "/proc/self/ns/pid"));
        RuntimeConfig streams = SandboxRunnerIT.config("/bin/sh", "-c", "echo out $GREETING; echo err >&2; exit 3");
        commands.add(new RuntimeConfig(streams.args(), List.of("PATH=/bin", "GREETING=hello"), streams.cwd(), streams.user(),
                streams.hostname(), streams.limits(), streams.network(), streams.mounts(), streams.readOnlyRoot(),
                streams.stopSignal()));
        commands.add(SandboxRunnerIT.config("/bin/sleep", "600"));
        commands.add(SandboxRunnerIT.config("/bin/no-such-program"));
        commands.add(SandboxRunnerIT.config("/bin/cat", "/proc/1/cmdline", "/proc/self/status"));
        commands.add(SandboxRunnerIT.config("/bin/readlink", "/proc/self/ns/pid"));
        return commands;
    }

    static void assertOneContainerEachItsOwnOutcome(List<CommandAttempt> attempts) {
        assertThat(attempts).hasSize(6);
        CommandOutcome namespace = ran(attempts.get(0));
        assertThat(namespace.exitCode()).isZero();
        assertThat(namespace.stdout()).startsWith("pid:[");
        CommandOutcome streams = ran(attempts.get(1));
        assertThat(streams.exitCode()).isEqualTo(3);
        assertThat(streams.stdout()).isEqualTo("out hello\n");
        assertThat(streams.stderr()).isEqualTo("err\n");
        CommandOutcome hung = ran(attempts.get(2));
        assertThat(hung.exitCode()).isEqualTo(137);
        assertThat(hung.stderr()).contains("[distill] killed at the time limit of 3 s");
        assertThat(attempts.get(3).error()).as("%s", attempts.get(3)).contains("could not start", "no-such-program");
        CommandOutcome inside = ran(attempts.get(4));
        assertThat(inside.exitCode()).isZero();
        // The container's own process never ran: its init still waits (runc init), the commands are exec'd beside it.
        assertThat(inside.stdout()).startsWith("runc\0init");
        assertThat(inside.stdout()).containsPattern("Seccomp:\\s+2").containsPattern("NoNewPrivs:\\s+1");
        assertThat(inside.stdout()).containsPattern("CapEff:\\s+00000000a80425fb");
        CommandOutcome again = ran(attempts.get(5));
        assertThat(again.stdout()).as("the last command runs after a hang and a failure, in the same pid namespace")
                .isEqualTo(namespace.stdout());
    }

    private static CommandOutcome ran(CommandAttempt attempt) {
        assertThat(attempt.error()).as("%s", attempt).isNull();
        return attempt.outcome();
    }

    @Test
    void commandsOfOneImageRunInOneContainerWithTheirOwnOutcomes() throws Exception {
        assumeTrue(MigrationVerifierIT.runnable() && Files.isExecutable(Path.of("/bin/busybox")), "needs root, runc, busybox");
        Path work = Files.createDirectories(temp.resolve("work"));
        ImageFileSystem image = SandboxRunnerIT.busyboxImage(Files.createDirectories(work.resolve("blobs")), temp);
        Sandbox.Options options = Sandbox.Options.defaults().withTimeLimit(LIMIT)
                .withConfinement(Confinement.defaults().withUserNamespaces(MigrationVerifierIT.POOL));
        AtomicInteger sandboxes = new AtomicInteger();

        List<CommandAttempt> attempts = RuncCommandRunner.runContained(work.resolve("commands"), image, batch(), LIMIT, options,
                (dir, o) -> {
                    sandboxes.incrementAndGet();
                    return Sandbox.open(dir, o);
                });

        assertOneContainerEachItsOwnOutcome(attempts);
        assertThat(sandboxes).hasValue(1);
        assertThat(work.resolve("commands")).doesNotExist();
    }

    @Test
    void aSuitesCommandTestsGoToTheRunnerAsOneBatch() throws Exception {
        assumeTrue(MigrationVerifierIT.runnable() && Files.isExecutable(Path.of("/bin/busybox")), "needs root, runc, busybox");
        Path work = Files.createDirectories(temp.resolve("work"));
        ImageFileSystem image = SandboxRunnerIT.busyboxImage(Files.createDirectories(work.resolve("blobs")), temp);
        StructureTestSuite first = StructureTestYaml.parse("""
                schemaVersion: 2.0.0
                commandTests:
                  - name: greets
                    command: /bin/sh
                    args: ["-c", "echo hi $WHO"]
                    envVars: [{key: WHO, value: there}]
                    expectedOutput: ["hi there"]
                  - name: fails as expected
                    command: /bin/sh
                    args: ["-c", "exit 4"]
                    exitCode: 4
                """);
        StructureTestSuite second = StructureTestYaml.parse("""
                schemaVersion: 2.0.0
                commandTests:
                  - name: same namespace
                    command: /bin/readlink
                    args: ["/proc/self/ns/pid"]
                    expectedOutput: ["pid:"]
                """);
        AtomicInteger batches = new AtomicInteger();
        PrivilegedRuns counting = new CountingRuns(batches);
        RuncCommandRunner runner = new RuncCommandRunner(work.resolve("commands"), image, SandboxRunnerIT.config("/bin/true"),
                LIMIT, Sandbox.Options.defaults().withConfinement(Confinement.defaults()
                        .withUserNamespaces(MigrationVerifierIT.POOL)), counting);

        List<StructureTestReport> reports = new StructureTestRunner(image, ImageConfig.EMPTY, runner).runAll(List.of(first, second));

        assertThat(batches).hasValue(1);
        assertThat(reports).hasSize(2);
        assertThat(reports.get(0).results()).extracting(StructureTestResult::name).containsExactly("greets", "fails as expected");
        assertThat(reports.get(0).results()).as("%s", reports).allMatch(StructureTestResult::passed, "passed");
        assertThat(reports.get(1).results()).as("%s", reports).singleElement().matches(StructureTestResult::passed, "passed");
    }

    /** Runs in this process and counts the batches it was given. */
    private record CountingRuns(AtomicInteger batches) implements PrivilegedRuns {

        @Override
        public void prepare(Path work, Sandbox.Options sandboxOptions) {
        }

        @Override
        public dev.distill.engine.layer.BlobSource blobs(dev.distill.engine.registry.RegistryClient client,
                dev.distill.engine.image.ImageReference pinned, Path work) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SandboxRun.Outcome runPod(Path dir, SandboxRun.Plan plan, MigrationVerifier.Options options, long pullMillis) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<CommandAttempt> runCommands(Path dir, ImageFileSystem image, List<RuntimeConfig> commands,
                Duration timeLimit, Sandbox.Options sandboxOptions) throws java.io.IOException, InterruptedException {
            batches.incrementAndGet();
            return PrivilegedRuns.inProcess().runCommands(dir, image, commands, timeLimit, sandboxOptions);
        }

        @Override
        public dev.distill.engine.runtime.SweepReport sweep(Path workRoot, Sandbox.Options sandboxOptions) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void check() {
        }
    }
}
