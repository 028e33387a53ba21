package dev.distill.engine.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.engine.identity.Identity;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.ResourceUsage;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.runtime.trace.Access;
import dev.distill.engine.runtime.trace.Execution;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import dev.distill.engine.structure.CommandAttempt;
import dev.distill.engine.structure.CommandOutcome;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's wire format: what goes over survives the trip, and what must not go over is refused with its reason. */
class RunnerProtocolTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void aPodRequestAndItsOutcomeSurviveTheRoundTrip() throws Exception {
        RunnerProtocol.Member member = new RunnerProtocol.Member("web",
                new RunnerProtocol.Image("verify-1/blobs", List.of(new RunnerProtocol.Layer(
                        "application/vnd.oci.image.layer.v1.tar+gzip", DIGEST, 123))),
                new RunnerProtocol.Config(List.of("/bin/httpd", "-f"), List.of("PATH=/bin"), "/", new Identity(1000, 1000,
                        List.of(2000), "www", "/www"), "distill", ResourceLimits.DEFAULTS, true, "SIGTERM"),
                List.of(new PodSpec.Mount("data", "/data", false)));
        RunnerProtocol.Request request = new RunnerProtocol.Request(RunnerProtocol.VERSION, RunnerProtocol.Op.POD,
                new RunnerProtocol.PodRun(new RunnerProtocol.RunLimits(30_000, 1_000, 10_000, 20),
                        List.of(new PodSpec.Volume("data", 1000, 1000, 0755)), List.of(member), List.of(),
                        Map.of("web", "nginx"), List.of(8080, 9000), List.of(new HttpCheck(8080, "/", 200),
                                new HttpCheck(9000, "/", HttpCheck.NOT_KNOWN_YET)),
                        Map.of("nginx", List.of("/data/x")), List.of("/data"), 42, true), null, null);

        RunnerProtocol.Request back = RunnerProtocol.parse(frame(request), RunnerProtocol.Request.class);
        back.validate();
        assertThat(back).isEqualTo(request);
        assertThat(RunnerProtocol.runtimeConfig(back.pod().members().get(0).config()).user().groups()).containsExactly(2000);

        FileAccessTrace trace = new FileAccessTrace(Set.of("/lib/missing.so"), Map.of("/proc/x", "kernel"), Set.of(),
                Set.of("/bin/httpd"), Set.of("/data/x"), Map.of(7, 0), List.of(new Execution(1, 7, 0, true, "/bin/httpd",
                List.of("httpd"), Map.of("/bin/httpd", Set.of(Access.values()[0])))), 10, 0, 0, List.of("keyctl(...) EPERM"));
        Verification.Run run = new Verification.Run(true, null, List.of(new Verification.Probe("http", 8080, "GET /", true,
                "200", 1, 5, 200, "hello", "")), "--- web\nstarted\n", Map.of("nginx", List.of("/lib/missing.so")),
                Map.of(), Map.of(), Map.of("nginx", 0), false, new Verification.Timings(1, 2, 3, 4, 10),
                Map.of("web", new ResourceUsage(ResourceLimits.DEFAULTS, 1, 0, 0, 0, 0, 0, 0, 0)), Map.of("web", "STOPPED"),
                Map.of(), List.of());
        RunnerProtocol.Response response = new RunnerProtocol.Response(RunnerProtocol.VERSION, null,
                new RunnerProtocol.Outcome(run, Map.of(8080, "hello"), Map.of(8080, "hello"), Map.of("nginx", trace)),
                new CommandOutcome(3, "out", "out"), new SweepReport(List.of(Path.of("/w/pod-1")), 1, 2, 3, 4, List.of(),
                List.of("x")), List.of(CommandAttempt.ran(new CommandOutcome(0, "a", "b")), CommandAttempt.failed("no /x")));

        RunnerProtocol.Response answer = RunnerProtocol.parse(frame(response), RunnerProtocol.Response.class);
        assertThat(answer).isEqualTo(response);
        assertThat(answer.pod().toOutcome().traces().get("nginx")).isEqualTo(trace);
    }

    @Test
    void anOversizedFrameIsRefusedBeforeItsBodyIsRead() {
        byte[] header = ByteBuffer.allocate(4).putInt(RunnerProtocol.MAX_REQUEST_BYTES + 1).array();
        assertThatThrownBy(() -> RunnerProtocol.readFrame(Channels.newChannel(new ByteArrayInputStream(header)),
                RunnerProtocol.MAX_REQUEST_BYTES))
                .isInstanceOf(RunnerProtocol.FrameTooLargeException.class)
                .hasMessageContaining((RunnerProtocol.MAX_REQUEST_BYTES + 1) + " bytes exceeds the limit of "
                        + RunnerProtocol.MAX_REQUEST_BYTES);
        byte[] negative = ByteBuffer.allocate(4).putInt(-1).array();
        assertThatThrownBy(() -> RunnerProtocol.readFrame(Channels.newChannel(new ByteArrayInputStream(negative)), 100))
                .isInstanceOf(RunnerProtocol.FrameTooLargeException.class).hasMessageContaining("4294967295 bytes");
    }

    @Test
    void aCutFrameIsAnEndOfStream() {
        byte[] cut = ByteBuffer.allocate(6).putInt(10).put((byte) '{').put((byte) '"').array();
        assertThatThrownBy(() -> RunnerProtocol.readFrame(Channels.newChannel(new ByteArrayInputStream(cut)), 100))
                .isInstanceOf(EOFException.class).hasMessageContaining("2 of 10 bytes");
    }

    @Test
    void malformedRequestsAreRefusedNamingWhatIsWrong() {
        assertThatThrownBy(() -> RunnerProtocol.parse("{not json".getBytes(StandardCharsets.UTF_8), RunnerProtocol.Request.class))
                .isInstanceOf(RunnerProtocol.MalformedFrameException.class).hasMessageStartingWith("malformed request");
        assertThatThrownBy(() -> RunnerProtocol.parse("{\"version\":1,\"op\":\"FORMAT_DISK\"}".getBytes(StandardCharsets.UTF_8),
                RunnerProtocol.Request.class)).hasMessageContaining("FORMAT_DISK");
        // A record's own check speaks through: a negative uid.
        String badUser = "{\"args\":[\"/x\"],\"env\":[],\"cwd\":\"/\",\"user\":{\"uid\":-1,\"gid\":0,\"groups\":[]},"
                + "\"hostname\":\"h\",\"limits\":{\"memoryBytes\":1048576,\"cpuMillis\":100,\"pids\":10},\"readOnlyRoot\":true,"
                + "\"stopSignal\":\"SIGTERM\"}";
        assertThatThrownBy(() -> RunnerProtocol.runtimeConfig(RunnerProtocol.parse(badUser.getBytes(StandardCharsets.UTF_8),
                RunnerProtocol.Config.class))).hasMessageContaining("-1");
        assertThatThrownBy(() -> new RunnerProtocol.Request(4, RunnerProtocol.Op.PING, null, null, null).validate())
                .hasMessageContaining("protocol version 4 is not spoken here (only 1-3)");
        assertThatThrownBy(() -> new RunnerProtocol.Request(1, RunnerProtocol.Op.POD, null, null, null).validate())
                .hasMessageContaining("op POD needs its pod part");
        assertThatThrownBy(() -> new RunnerProtocol.Request(2, RunnerProtocol.Op.COMMANDS, null, null, null).validate())
                .hasMessageContaining("op COMMANDS needs its commands part");
        RunnerProtocol.Image image = new RunnerProtocol.Image("b", List.of(new RunnerProtocol.Layer("t", DIGEST, 1)));
        RunnerProtocol.Config config = new RunnerProtocol.Config(List.of("/x"), List.of(), "/", Identity.ROOT, "h",
                ResourceLimits.DEFAULTS, true, "SIGTERM");
        RunnerProtocol.CommandBatch batch = new RunnerProtocol.CommandBatch(image, List.of(config), 1000);
        assertThatThrownBy(() -> new RunnerProtocol.Request(1, RunnerProtocol.Op.COMMANDS, null, null, batch).validate())
                .hasMessageContaining("op COMMANDS needs protocol version 2, got 1");
        new RunnerProtocol.Request(1, RunnerProtocol.Op.PING, null, null, null).validate();  // version 1 is still answered
        RunnerProtocol.Request.commands(batch).validate();
        assertThatThrownBy(() -> new RunnerProtocol.CommandBatch(image, List.of(), 1000))
                .hasMessageContaining("1-256 commands, got 0");
        assertThatThrownBy(() -> new RunnerProtocol.CommandBatch(image, java.util.Collections.nCopies(257, config), 1000))
                .hasMessageContaining("1-256 commands, got 257");
        assertThatThrownBy(() -> new RunnerProtocol.Image("b", List.of())).hasMessageContaining("1-256 layers");
    }

    @Test
    void aBlobDirectoryOutsideTheSpoolIsRefused(@TempDir Path temp) throws Exception {
        Path spool = Files.createDirectories(temp.resolve("spool"));
        Files.createDirectories(spool.resolve("verify-1/blobs"));
        Files.createDirectories(temp.resolve("elsewhere"));
        Files.createSymbolicLink(spool.resolve("verify-2"), temp.resolve("elsewhere"));

        assertThat(RunnerProtocol.blobDirectory(spool, "verify-1/blobs")).isEqualTo(spool.toRealPath().resolve("verify-1/blobs"));
        assertThatThrownBy(() -> RunnerProtocol.blobDirectory(spool, "../elsewhere"))
                .hasMessageContaining("'../elsewhere' leads out of the spool");
        assertThatThrownBy(() -> RunnerProtocol.blobDirectory(spool, "verify-2"))
                .hasMessageContaining("'verify-2' leads out of the spool");
        assertThatThrownBy(() -> RunnerProtocol.blobDirectory(spool, "/etc"))
                .hasMessageContaining("must be relative to the spool, got '/etc'");
    }

    private static byte[] frame(Object value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        RunnerProtocol.write(Channels.newChannel(out), value);
        return RunnerProtocol.readFrame(Channels.newChannel(new ByteArrayInputStream(out.toByteArray())), Integer.MAX_VALUE);
    }
}
