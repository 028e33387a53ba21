package dev.distill.engine.verification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.identity.Identity;
import dev.distill.engine.image.Descriptor;
import dev.distill.engine.image.Digest;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.layer.LayeredFileSystem;
import dev.distill.engine.runtime.NetworkMode;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.ResourceLimits;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.runtime.probe.HttpCheck;
import dev.distill.engine.runtime.trace.FileAccessTrace;
import dev.distill.engine.structure.CommandAttempt;
import dev.distill.engine.structure.CommandOutcome;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The verifier's requests to the {@link SandboxRunner} and its answers: one request per connection, each way one frame
 * (a 4-byte big-endian length, then that many bytes of UTF-8 JSON). Version {@value #VERSION}; the runner still answers
 * version {@value #OLDEST} requests (its ops are a subset: version 2 added {@code COMMANDS}, every structure-test command
 * of an image run in one container; version 3 HTTP checks whose status is not known yet, status 0, which a runner of
 * version 2 refuses). Images travel as the
 * digests of their layers and the directory under the spool root that holds them; nothing else of the host (no
 * path to mount, no confinement, no runtime) can be asked for: the runner decides those.
 */
final class RunnerProtocol {

    static final int VERSION = 3;
    /** The oldest version the runner still answers (a verifier not yet upgraded beside it). */
    static final int OLDEST = 1;
    /** Commands of one batch: a suite's command tests, with room. */
    static final int MAX_COMMANDS = 256;
    /** A pod of a few programs with their configs is a few KiB; this leaves room and refuses a flood. */
    static final int MAX_REQUEST_BYTES = 1 << 20;
    /** Outcomes carry traces (bounded by the parser) and log excerpts. */
    static final int MAX_RESPONSE_BYTES = 64 << 20;
    static final int MAX_CONTAINERS = 32;
    static final int MAX_LAYERS = 256;

    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)  // derived getters (isEmpty, ...) are written too
            .build();

    private RunnerProtocol() {
    }

    /** {@code COMMAND} (one command per container) is version 1's; version 2's {@code COMMANDS} batches them. */
    enum Op { PING, POD, COMMAND, SWEEP, COMMANDS }

    record Request(int version, Op op, PodRun pod, CommandRun command, CommandBatch commands) {

        static Request commands(CommandBatch batch) {
            return new Request(VERSION, Op.COMMANDS, null, null, batch);
        }

        /** Checks what the records' own constructors cannot: the version, the op's part present, the sizes. */
        void validate() {
            if (version < OLDEST || version > VERSION) {
                throw new IllegalArgumentException("protocol version " + version + " is not spoken here (only " + OLDEST + "-"
                        + VERSION + ")");
            }
            if (op == Op.COMMANDS && version < 2) {
                throw new IllegalArgumentException("op COMMANDS needs protocol version 2, got " + version);
            }
            if (op == null) {
                throw new IllegalArgumentException("a request needs an op, one of " + List.of(Op.values()));
            }
            if (op == Op.POD && pod == null || op == Op.COMMAND && command == null || op == Op.COMMANDS && commands == null) {
                throw new IllegalArgumentException("op " + op + " needs its " + op.name().toLowerCase() + " part");
            }
            if (pod != null) {
                int containers = pod.members().size() + pod.init().size();
                if (containers == 0 || containers > MAX_CONTAINERS) {
                    throw new IllegalArgumentException("a pod has 1-" + MAX_CONTAINERS + " containers, got " + containers);
                }
            }
        }
    }

    /** The limits of one run; the runner refuses a time limit above its own maximum. */
    record RunLimits(long timeLimitMillis, long staysUpMillis, long probeDeadlineMillis, int logLines) {

        static RunLimits of(MigrationVerifier.Options o) {
            return new RunLimits(o.timeLimit().toMillis(), o.staysUp().toMillis(), o.probeDeadline().toMillis(), o.logLines());
        }
    }

    record Layer(String mediaType, String digest, long size) {
    }

    /** @param blobs relative to the spool root: the directory holding {@code sha256/<hex>} files */
    record Image(String blobs, List<Layer> layers) {

        Image {
            if (blobs == null || layers == null || layers.isEmpty() || layers.size() > MAX_LAYERS) {
                throw new IllegalArgumentException("an image needs its blob directory and 1-" + MAX_LAYERS + " layers, got "
                        + blobs + " with " + (layers == null ? "no" : layers.size()) + " layers");
            }
        }
    }

    /** A {@link RuntimeConfig} without its network and mounts: the runner gives every container its own. */
    record Config(List<String> args, List<String> env, String cwd, Identity user, String hostname, ResourceLimits limits,
            boolean readOnlyRoot, String stopSignal) {
    }

    record Member(String name, Image image, Config config, List<PodSpec.Mount> mounts) {
    }

    record PodRun(RunLimits limits, List<PodSpec.Volume> volumes, List<Member> members, List<Member> init,
            Map<String, String> programs, List<Integer> tcpPorts, List<HttpCheck> httpChecks,
            Map<String, List<String>> expectedWrites, List<String> settle, long pullMillis, boolean killAtEnd) {

        PodRun {
            volumes = volumes == null ? List.of() : volumes;
            members = members == null ? List.of() : members;
            init = init == null ? List.of() : init;
            programs = programs == null ? Map.of() : programs;
            tcpPorts = tcpPorts == null ? List.of() : tcpPorts;
            httpChecks = httpChecks == null ? List.of() : httpChecks;
            expectedWrites = expectedWrites == null ? Map.of() : expectedWrites;
            settle = settle == null ? List.of() : settle;
        }
    }

    record CommandRun(Image image, Config config, long timeLimitMillis) {
    }

    /**
     * Commands run in order in one container of the image, each with its own time limit; they differ only in args and
     * environment (the first one's config makes the container).
     */
    record CommandBatch(Image image, List<Config> commands, long timeLimitMillis) {

        CommandBatch {
            if (commands == null || commands.isEmpty() || commands.size() > MAX_COMMANDS) {
                throw new IllegalArgumentException("a command batch has 1-" + MAX_COMMANDS + " commands, got "
                        + (commands == null ? "none" : commands.size()));
            }
            commands = List.copyOf(commands);
        }
    }

    record Outcome(Verification.Run run, Map<Integer, String> firstBodies, Map<Integer, String> secondBodies,
            Map<String, FileAccessTrace> traces) {

        static Outcome of(SandboxRun.Outcome o) {
            return new Outcome(o.run(), o.firstBodies(), o.secondBodies(), o.traces());
        }

        SandboxRun.Outcome toOutcome() {
            return new SandboxRun.Outcome(run, firstBodies == null ? Map.of() : firstBodies,
                    secondBodies == null ? Map.of() : secondBodies, traces == null ? Map.of() : traces);
        }
    }

    /**
     * @param error why the request was refused or failed (the others are null then)
     * @param commands a {@code COMMANDS} request's outcomes, one per command in its order
     */
    record Response(int version, String error, Outcome pod, CommandOutcome command, SweepReport sweep,
            List<CommandAttempt> commands) {

        static Response failed(String error) {
            return new Response(VERSION, error, null, null, null, null);
        }
    }

    // --- the verifier's side: values to wire ---

    static Config config(RuntimeConfig c) {
        if (!c.mounts().isEmpty() || !c.network().isNew()) {
            throw new IllegalArgumentException("the runner gives each container its network and volumes; a config with "
                    + c.mounts().size() + " host mounts and network " + c.network() + " cannot be sent");
        }
        return new Config(c.args(), c.env(), c.cwd(), c.user(), c.hostname(), c.limits(), c.readOnlyRoot(), c.stopSignal());
    }

    /** An image as the runner finds it: its layers in the spool, where the verifier stored them. */
    static Image image(ImageFileSystem fs, Path spoolRoot) {
        if (!(fs instanceof LayeredFileSystem layered) || !(layered.blobSource() instanceof SpooledBlobSource spooled)) {
            throw new IllegalArgumentException("only an image whose layers are spooled can be run by the runner, got " + fs);
        }
        Path dir = spooled.directory().toAbsolutePath().normalize();
        Path root = spoolRoot.toAbsolutePath().normalize();
        if (!dir.startsWith(root)) {
            throw new IllegalArgumentException("blob directory " + dir + " is not under the spool root " + root);
        }
        List<Layer> layers = new ArrayList<>();
        for (Descriptor d : layered.layers()) {
            layers.add(new Layer(d.mediaType(), d.digest().toString(), d.size()));
        }
        return new Image(root.relativize(dir).toString(), layers);
    }

    static Member member(PodSpec.Member m, Path spoolRoot) {
        return new Member(m.name(), image(m.image(), spoolRoot), config(m.config()), m.mounts());
    }

    // --- the runner's side: wire to values, every path checked ---

    static RuntimeConfig runtimeConfig(Config c) {
        if (c == null) {
            throw new IllegalArgumentException("a container needs its config");
        }
        return new RuntimeConfig(c.args(), c.env() == null ? List.of() : c.env(), c.cwd(), c.user(), c.hostname(),
                c.limits(), NetworkMode.LOOPBACK_ONLY, List.of(), c.readOnlyRoot(), c.stopSignal());
    }

    static List<Descriptor> layers(Image image) {
        List<Descriptor> out = new ArrayList<>();
        for (Layer l : image.layers()) {
            out.add(new Descriptor(l.mediaType(), Digest.parse(l.digest()), l.size()));
        }
        return out;
    }

    static Duration millis(long ms, String what) {
        if (ms <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + ms + " ms");
        }
        return Duration.ofMillis(ms);
    }

    // --- frames ---

    static void write(WritableByteChannel out, Object value) throws IOException {
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IOException("cannot write " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
        ByteBuffer frame = ByteBuffer.allocate(4 + json.length).putInt(json.length).put(json).flip();
        while (frame.hasRemaining()) {
            out.write(frame);
        }
    }

    /**
     * Reads one frame.
     *
     * @throws EOFException when the peer closed before a whole frame came
     * @throws FrameTooLargeException when the length exceeds {@code limit} (nothing more is read)
     */
    static byte[] readFrame(ReadableByteChannel in, int limit) throws IOException {
        ByteBuffer length = ByteBuffer.allocate(4);
        fill(in, length);
        int size = length.flip().getInt();
        if (size < 0 || size > limit) {
            throw new FrameTooLargeException("a frame of " + Integer.toUnsignedString(size) + " bytes exceeds the limit of "
                    + limit + " bytes");
        }
        ByteBuffer body = ByteBuffer.allocate(size);
        fill(in, body);
        return body.array();
    }

    static <T> T parse(byte[] frame, Class<T> type) throws IOException {
        try {
            return JSON.readValue(frame, type);
        } catch (JsonProcessingException e) {
            // The value's own check (a record's constructor) is the useful part of Jackson's message.
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            String why = cause == e ? e.getOriginalMessage() : cause.getMessage();
            throw new MalformedFrameException("malformed " + type.getSimpleName().toLowerCase() + ": " + why, e);
        }
    }

    private static void fill(ReadableByteChannel in, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new EOFException("the peer closed the connection after " + buffer.position() + " of "
                        + buffer.capacity() + " bytes");
            }
        }
    }

    static final class FrameTooLargeException extends IOException {
        FrameTooLargeException(String message) {
            super(message);
        }
    }

    static final class MalformedFrameException extends IOException {
        MalformedFrameException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The directory of an image's blobs, which must lie under the spool root (no {@code ..}, no link out of it). */
    static Path blobDirectory(Path spoolRoot, String relative) throws IOException {
        Path rel = Path.of(relative);
        if (rel.isAbsolute() || relative.isEmpty()) {
            throw new IllegalArgumentException("blob directory must be relative to the spool, got '" + relative + "'");
        }
        Path root = spoolRoot.toRealPath();
        Path dir = root.resolve(rel).normalize();
        if (!dir.startsWith(root) || !dir.toRealPath().startsWith(root)) {
            throw new IllegalArgumentException("blob directory '" + relative + "' leads out of the spool " + root);
        }
        return dir.toRealPath();
    }

    static BlobSource blobs(Path spoolRoot, Image image) throws IOException {
        return BlobSource.directory(blobDirectory(spoolRoot, image.blobs()));
    }
}
