package dev.distill.engine.verification;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.PodSpec;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.structure.CommandAttempt;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs containers through a {@link SandboxRunner} on a Unix socket, one connection per request; the connection stays
 * open for the whole run, and closing it (this process ending, even by kill -9) makes the runner kill and remove
 * the run. Layers reach the runner as files in the verification's directory ({@code <work>/blobs}), which lies under
 * the runner's spool root (the verifier's work root).
 */
final class SocketRuns implements PrivilegedRuns {

    /**
     * How many bytes of layer blobs are kept across verifications ({@link KeptBlobs}): a release's unchanged layers
     * (its base, the result's program layers) are linked, not downloaded again into the spool (0.5-0.6 s a side on
     * the local stack). About the layers of a few migrations' sources and results.
     */
    static final long KEPT_BLOB_BYTES = 2L << 30;

    private final Path socket;
    private final Path spoolRoot;
    private final KeptBlobs kept;

    /** @param spoolRoot the verifier's work root, which the runner was started to read blobs from */
    SocketRuns(Path socket, Path spoolRoot) {
        this.socket = Objects.requireNonNull(socket, "socket");
        this.spoolRoot = Objects.requireNonNull(spoolRoot, "spoolRoot").toAbsolutePath().normalize();
        this.kept = new KeptBlobs(this.spoolRoot.resolve("kept-blobs"), KEPT_BLOB_BYTES);
    }

    @Override
    public void prepare(Path work, Sandbox.Options sandboxOptions) throws IOException {
        // Only this user and the runner (root) read the verification's files: the containers never see them here.
        Files.setAttribute(work, "unix:mode", 0700);
    }

    @Override
    public BlobSource blobs(RegistryClient client, ImageReference pinned, Path work) {
        return new SpooledBlobSource(BlobSource.registry(client, pinned), work.resolve("blobs"), kept);
    }

    @Override
    public SandboxRun.Outcome runPod(Path dir, SandboxRun.Plan plan, MigrationVerifier.Options options, long pullMillis)
            throws IOException {
        RunnerProtocol.PodRun pod;
        try {
                        List<RunnerProtocol.Member> members = new ArrayList<>();
            for (PodSpec.Member m : plan.spec().members()) {
                members.add(RunnerProtocol.member(m, spoolRoot));
            }
            List<RunnerProtocol.Member> init = new ArrayList<>();
            for (PodSpec.Member m : plan.init()) {
                init.add(RunnerProtocol.member(m, spoolRoot));
            }
            pod = new RunnerProtocol.PodRun(RunnerProtocol.RunLimits.of(options), plan.spec().volumes(), members, init,
                    plan.programs(), plan.tcpPorts(), plan.httpChecks(), plan.expectedWrites(), plan.settle(), pullMillis,
                    plan.killAtEnd());
        } catch (RuntimeException e) {
            return SandboxRun.Outcome.notRun("cannot hand the pod to the runner: " + e.getMessage());
        }
        RunnerProtocol.Response answer = call(new RunnerProtocol.Request(RunnerProtocol.VERSION, RunnerProtocol.Op.POD, pod,
                null, null));
        if (answer.pod() == null) {
            throw new IOException("the runner at " + socket + " answered no pod outcome");
        }
        return answer.pod().toOutcome();
    }

    @Override
    public List<CommandAttempt> runCommands(Path dir, ImageFileSystem image, List<RuntimeConfig> commands, Duration timeLimit,
            Sandbox.Options sandboxOptions) throws IOException {
        RunnerProtocol.CommandBatch batch;
        try {
            List<RunnerProtocol.Config> configs = new ArrayList<>();
            for (RuntimeConfig c : commands) {
                configs.add(RunnerProtocol.config(c));
            }
            batch = new RunnerProtocol.CommandBatch(RunnerProtocol.image(image, spoolRoot), configs, timeLimit.toMillis());
        } catch (RuntimeException e) {
            throw new IOException("cannot hand the commands to the runner: " + e.getMessage(), e);
        }
        RunnerProtocol.Response answer = call(RunnerProtocol.Request.commands(batch));
        if (answer.commands() == null || answer.commands().size() != commands.size()) {
            throw new IOException("the runner at " + socket + " answered " + (answer.commands() == null ? "no"
                    : answer.commands().size()) + " command outcomes for " + commands.size() + " commands");
        }
        return answer.commands();
    }

    @Override
    public SweepReport sweep(Path workRoot, Sandbox.Options sandboxOptions) {
        // The verifier's own leftovers (its verification directories: blobs, nothing the runner holds) it removes
        // itself; the runner's (containers, cgroups, mounts) the runner sweeps.
        SweepReport local = Sandbox.sweep(workRoot, sandboxOptions);
        try {
            SweepReport remote = call(new RunnerProtocol.Request(RunnerProtocol.VERSION, RunnerProtocol.Op.SWEEP, null,
                    null, null)).sweep();
            if (remote == null) {
                return local;
            }
            List<Path> removed = new ArrayList<>(local.removed());
            removed.addAll(remote.removed());
            List<Path> live = new ArrayList<>(local.live());
            live.addAll(remote.live());
            List<String> problems = new ArrayList<>(local.problems());
            problems.addAll(remote.problems());
            return new SweepReport(removed, local.containersDeleted() + remote.containersDeleted(),
                    local.processesKilled() + remote.processesKilled(), local.cgroupsRemoved() + remote.cgroupsRemoved(),
                    local.mountsDetached() + remote.mountsDetached(), live, problems);
        } catch (IOException e) {
            List<String> problems = new ArrayList<>(local.problems());
            problems.add("the runner could not sweep: " + e.getMessage());
            return new SweepReport(local.removed(), local.containersDeleted(), local.processesKilled(),
                    local.cgroupsRemoved(), local.mountsDetached(), local.live(), problems);
        }
    }

    @Override
    public void check() throws IOException {
        call(new RunnerProtocol.Request(RunnerProtocol.VERSION, RunnerProtocol.Op.PING, null, null, null));
    }

    private RunnerProtocol.Response call(RunnerProtocol.Request request) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                throw new IOException("cannot reach the sandbox runner at " + socket + " (" + e.getMessage()
                        + "): is it running, and is this user in its socket's group?", e);
            }
            RunnerProtocol.write(channel, request);
            RunnerProtocol.Response answer = RunnerProtocol.parse(RunnerProtocol.readFrame(channel,
                    RunnerProtocol.MAX_RESPONSE_BYTES), RunnerProtocol.Response.class);
            if (answer.error() != null) {
                throw new IOException("the sandbox runner refused " + request.op().name().toLowerCase() + ": " + answer.error());
            }
            return answer;
        }
    }

    @Override
    public String toString() {
        return "through the sandbox runner at " + socket;
    }
}
