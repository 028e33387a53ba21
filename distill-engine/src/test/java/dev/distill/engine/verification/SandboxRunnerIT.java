package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayerWriter;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.layer.WrittenLayer;
import dev.distill.engine.runtime.Confinement;
import dev.distill.engine.runtime.NetworkMode;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.structure.CommandAttempt;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox runner for real: started on a socket in a temporary directory, it runs a busybox pod and commands for
 * a client that knows nothing of runc, refuses what it must refuse over the socket, and leaves no container, mount or
 * directory when its client goes away mid-run. Needs root, runc, strace, nsenter, curl and /bin/busybox.
 */
class SandboxRunnerIT {

    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private static Path temp;
    private static Path spool;
    private static Path work;
    private static Path socket;
    private static SandboxRunner runner;
    private static ImageFileSystem image;
    private static PrivilegedRuns runs;

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        assumeTrue(MigrationVerifierIT.runnable() && Files.isExecutable(BUSYBOX), "needs root, runc, strace, nsenter, curl, busybox");
        temp = dir;
        spool = Files.createDirectories(dir.resolve("spool"));
        work = dir.resolve("runner");
        socket = dir.resolve("sock/runner.sock");
        runner = new SandboxRunner(new SandboxRunner.Settings(socket, "nogroup", spool, work,
                Confinement.defaults().withUserNamespaces(MigrationVerifierIT.POOL), Duration.ofMinutes(2), 4));
        runner.start();
        assertThat(Files.getAttribute(socket, "unix:mode")).isEqualTo(0140660);  // a socket, rw for owner and group
        assertThat((int) Files.getAttribute(socket.getParent(), "unix:mode") & 07777).isEqualTo(0750);
        image = busyboxImage(spool.resolve("verify-it/blobs"), temp);
        runs = PrivilegedRuns.socket(socket, spool);
        runs.check();
    }

    @AfterAll
    static void stop() {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void aPodRunsThroughTheRunnerAndAnswersItsProbes() throws Exception {
        RuntimeConfig httpd = config("/bin/httpd", "-f", "-p", "8080", "-h", "/www");
        SandboxRun.Plan plan = new SandboxRun.Plan(new PodSpec(List.of(), List.of(new PodSpec.Member("web", image, httpd,
                List.of()))), Map.of("web", "httpd"), List.of(8080), List.of(new HttpCheck(8080, "/", 200)));
        MigrationVerifier.Options options = MigrationVerifier.Options.defaults(spool).withTimeLimit(Duration.ofSeconds(40))
                .withProbes(Duration.ofSeconds(1), Duration.ofSeconds(20));

        SandboxRun.Outcome outcome = runs.runPod(spool.resolve("unused"), plan, options, 7);

        assertThat(outcome.run().ran()).as(outcome.run().error() + "\n" + outcome.run().logExcerpt()).isTrue();
        assertThat(outcome.run().probes()).as(outcome.run().logExcerpt()).allMatch(Verification.Probe::passed).isNotEmpty();
        assertThat(outcome.firstBodies().get(8080)).isEqualTo("hello through the runner\n");
        assertThat(outcome.run().timings().pullMillis()).isEqualTo(7);
        assertThat(outcome.traces()).containsKey("httpd");  // traced in the runner, parsed there, sent back whole
        // The image's layer was indexed once here: the next pod of it is merged without decompressing it again.
        assertThat(runner.rememberedLayers()).isPositive();
        // The runner closes the pod's sandbox once it has answered.
        await("the runner closes the sandbox after answering", () -> runner.liveRuns() == 0 && leftovers().isEmpty(),
                Duration.ofSeconds(30));
    }

    @Test
    void commandsRunThroughTheRunnerInOneContainerWithTheirOwnOutcomes() throws Exception {
        List<CommandAttempt> attempts = runs.runCommands(spool.resolve("unused"), image, CommandBatchIT.batch(),
                CommandBatchIT.LIMIT, Sandbox.Options.defaults());

        CommandBatchIT.assertOneContainerEachItsOwnOutcome(attempts);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aVersionOneCommandIsStillAnsweredAsABatchOfOne() throws Exception {
        RunnerProtocol.CommandRun one = new RunnerProtocol.CommandRun(RunnerProtocol.image(image, spool),
                RunnerProtocol.config(config("/bin/sh", "-c", "echo no >&2; exit 3")), 20_000);

        RunnerProtocol.Response answer = answer(new RunnerProtocol.Request(1, RunnerProtocol.Op.COMMAND, null, one, null));

        assertThat(answer.error()).isNull();
        assertThat(answer.version()).isEqualTo(1);
        assertThat(answer.command().exitCode()).isEqualTo(3);
        assertThat(answer.command().stderr()).contains("no");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void badRequestsGetAnErrorAnswerAndTheRunnerStaysUp() throws Exception {
        assertThat(rawAnswer(ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).flip()))
                .contains("a frame of 2147483647 bytes exceeds the limit of 1048576 bytes");
        byte[] junk = "{\"version\":1,\"op\":".getBytes(StandardCharsets.UTF_8);
        assertThat(rawAnswer(ByteBuffer.allocate(4 + junk.length).putInt(junk.length).put(junk).flip()))
                .contains("malformed request");
        // An image whose blobs would be read outside the spool.
        RunnerProtocol.CommandRun escape = new RunnerProtocol.CommandRun(new RunnerProtocol.Image("../..", List.of(
                new RunnerProtocol.Layer("application/vnd.oci.image.layer.v1.tar", "sha256:" + "0".repeat(64), 1))),
                RunnerProtocol.config(config("/bin/true")), 10_000);
        assertThat(answer(new RunnerProtocol.Request(1, RunnerProtocol.Op.COMMAND, null, escape, null)).error())
                .contains("'../..' leads out of the spool");
        RunnerProtocol.CommandRun tooLong = new RunnerProtocol.CommandRun(RunnerProtocol.image(image, spool),
                RunnerProtocol.config(config("/bin/true")), Duration.ofHours(1).toMillis());
        assertThat(answer(new RunnerProtocol.Request(1, RunnerProtocol.Op.COMMAND, null, tooLong, null)).error())
                .contains("time limit 3600 s exceeds this runner's maximum of 120 s");
        runs.check();
    }

    @Test
    void aClientThatGoesAwayMidRunLeavesNoContainerMountOrDirectory() throws Exception {
        SandboxRun.Plan plan = new SandboxRun.Plan(new PodSpec(List.of(), List.of(new PodSpec.Member("sleeper", image,
                config("/bin/sleep", "600"), List.of()))), Map.of("sleeper", "sleeper"), List.of(8080),
                List.of(new HttpCheck(8080, "/", 200)));
        MigrationVerifier.Options options = MigrationVerifier.Options.defaults(spool).withTimeLimit(Duration.ofSeconds(110))
                .withProbes(Duration.ofSeconds(2), Duration.ofSeconds(100));
        RunnerProtocol.PodRun pod = new RunnerProtocol.PodRun(RunnerProtocol.RunLimits.of(options), List.of(),
                List.of(RunnerProtocol.member(plan.spec().members().get(0), spool)), List.of(), plan.programs(),
                plan.tcpPorts(), plan.httpChecks(), Map.of(), List.of(), 0, false);
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            RunnerProtocol.write(channel, new RunnerProtocol.Request(1, RunnerProtocol.Op.POD, pod, null, null));
            await("the container runs", () -> !containers().isEmpty(), Duration.ofSeconds(60));
        }  // the verifier goes away (as if killed) while its probes still wait for port 8080

        await("the runner ends the run", () -> runner.liveRuns() == 0 && leftovers().isEmpty(), Duration.ofSeconds(60));
        assertThat(containers()).isEmpty();
        assertThat(mountsUnder(work)).isEmpty();
        runs.check();
    }

    @Test
    void aRunnerKilledMidRunLeavesWhatTheNextOneSweeps() throws Exception {
        // A runner in a JVM of its own, killed with SIGKILL while its container runs: nothing could clean up then.
        Path otherWork = temp.resolve("killed-runner");
        Path otherSocket = temp.resolve("killed-sock/runner.sock");
        Process killed = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), SandboxRunner.class.getName(), "--socket", otherSocket.toString(),
                "--spool", spool.toString(), "--work", otherWork.toString(), "--max-time-limit-seconds", "120")
                .redirectErrorStream(true).redirectOutput(temp.resolve("killed-runner.log").toFile()).start();
        try {
            await("the runner listens", () -> Files.exists(otherSocket), Duration.ofSeconds(30));
            RunnerProtocol.PodRun pod = new RunnerProtocol.PodRun(new RunnerProtocol.RunLimits(110_000, 2_000, 100_000, 20),
                    List.of(), List.of(new RunnerProtocol.Member("sleeper", RunnerProtocol.image(image, spool),
                    RunnerProtocol.config(config("/bin/sleep", "600")), List.of())), List.of(), Map.of(), List.of(8080),
                    List.of(), Map.of(), List.of(), 0, false);
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(otherSocket));
                RunnerProtocol.write(channel, new RunnerProtocol.Request(1, RunnerProtocol.Op.POD, pod, null, null));
                await("the container runs", () -> !containers(otherWork).isEmpty(), Duration.ofSeconds(60));
                killed.destroyForcibly().waitFor();  // SIGKILL
                assertThat(containers(otherWork)).as("left by the killed runner").isNotEmpty();
            }
        } finally {
            killed.destroyForcibly().waitFor();
        }

        try (SandboxRunner next = new SandboxRunner(new SandboxRunner.Settings(otherSocket, null, spool, otherWork,
                Confinement.defaults().withUserNamespaces(MigrationVerifierIT.POOL), Duration.ofMinutes(2), 4))) {
            next.start();  // sweeps its work root first
            assertThat(containers(otherWork)).isEmpty();
            assertThat(leftovers(otherWork)).isEmpty();
            assertThat(mountsUnder(otherWork)).isEmpty();
            PrivilegedRuns.socket(otherSocket, spool).check();
        }
    }

    static RuntimeConfig config(String... args) {
        return new RuntimeConfig(List.of(args), List.of("PATH=/bin"), "/", Identity.ROOT, "distill", ResourceLimits.DEFAULTS,
                NetworkMode.LOOPBACK_ONLY, List.of(), true, "SIGTERM");
    }

    /** One layer of busybox and its applets, written as a tar into the spool, named by its digest. */
    static ImageFileSystem busyboxImage(Path blobs, Path scratch) throws IOException {
        Path tar = scratch.resolve("busybox.tar.gz");
        WrittenLayer layer;
        try (LayerWriter w = new LayerWriter(tar)) {
            w.directory("/bin", 0755, 0, 0);
            w.file("/bin/busybox", 0755, 0, 0, Files.readAllBytes(BUSYBOX));
            for (String applet : List.of("sh", "cat", "sleep", "httpd", "true", "readlink")) {
                w.symlink("/bin/" + applet, "busybox", 0, 0);
            }
            w.directory("/www", 0755, 0, 0);
            w.file("/www/index.html", 0644, 0, 0, "hello through the runner\n".getBytes(StandardCharsets.UTF_8));
            w.directory("/tmp", 01777, 0, 0);
            w.directory("/run", 0755, 0, 0);
            layer = w.finish();
        }
        Path file = Files.createDirectories(blobs.resolve("sha256")).resolve(layer.digest().hex());
        Files.move(layer.file(), file);
        return LayeredFileSystem.build(List.of(layer.descriptor()),
                new SpooledBlobSource(BlobSource.directory(blobs), blobs));
    }

    private static RunnerProtocol.Response answer(RunnerProtocol.Request request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            RunnerProtocol.write(channel, request);
            return RunnerProtocol.parse(RunnerProtocol.readFrame(channel, RunnerProtocol.MAX_RESPONSE_BYTES),
                    RunnerProtocol.Response.class);
        }
    }

    private static String rawAnswer(ByteBuffer bytes) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            return RunnerProtocol.parse(RunnerProtocol.readFrame(channel, RunnerProtocol.MAX_RESPONSE_BYTES),
                    RunnerProtocol.Response.class).error();
        }
    }

    /** What is left in the runner's work root (its lock files aside, and the layer tree store: a cache meant to stay). */
    private static List<Path> leftovers() {
        return leftovers(work);
    }

    private static List<Path> leftovers(Path work) {
        try (Stream<Path> s = Files.list(work)) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".") && !p.getFileName().toString().equals("layer-trees"))
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Every container runc lists in any sandbox of the runner's work root. */
    private static List<String> containers() {
        return containers(work);
    }

    private static List<String> containers(Path work) {
        if (!Files.isDirectory(work)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(work)) {
            return s.map(d -> d.resolve("runc")).filter(Files::isDirectory).flatMap(root -> {
                try {
                    Process p = new ProcessBuilder("runc", "--root", root.toString(), "list", "-q").redirectErrorStream(true).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    p.waitFor();
                    return out.lines().filter(l -> l.startsWith("distill-"));
                } catch (IOException | InterruptedException e) {
                    return Stream.of("? " + e);
                }
            }).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> mountsUnder(Path dir) throws IOException {
        String at = dir.toAbsolutePath().toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(" " + at)).toList();
    }

    private static void await(String what, BooleanSupplier condition, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("waited " + limit.toSeconds() + " s for: " + what + "; left: " + leftovers()
                        + ", containers " + containers());
            }
            Thread.sleep(100);
        }
    }
}
