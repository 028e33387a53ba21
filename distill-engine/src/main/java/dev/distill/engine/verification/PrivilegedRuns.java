package dev.distill.engine.verification;

import dev.distill.engine.fs.ImageFileSystem;
import dev.distill.engine.image.ImageReference;
import dev.distill.engine.layer.BlobSource;
import dev.distill.engine.registry.RegistryClient;
import dev.distill.engine.runtime.RuntimeConfig;
import dev.distill.engine.runtime.Sandbox;
import dev.distill.engine.runtime.SweepReport;
import dev.distill.engine.structure.CommandAttempt;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What of a verification needs host root: running containers (a pod under the probes, a structure test's command)
 * and sweeping what a crashed run left. {@link MigrationVerifier} does everything else itself and hands these to
 * one of two implementations: {@link #inProcess()} (the verifier's own process does them, so it runs as root) or
 * {@link #socket(Path, Path)} (a {@link SandboxRunner} process, root, does them for a verifier that runs unprivileged).
 * docs/security.md says what each side may do.
 */
public interface PrivilegedRuns {

    /** The verifier's own process runs the containers: it must be root. */
    static PrivilegedRuns inProcess() {
        return InProcessRuns.INSTANCE;
    }

    /**
     * A {@link SandboxRunner} listening on {@code socket} runs them. The layers of every image a run needs are kept,
     * verified by digest, in each verification's directory, which the runner reads (the runner's spool root is the
     * verifier's work root, {@code spoolRoot}).
     */
    static PrivilegedRuns socket(Path socket, Path spoolRoot) {
        return new SocketRuns(socket, spoolRoot);
    }

    /** Readies a verification's work directory (for runs in this process, containers must reach below it). */
    void prepare(Path work, Sandbox.Options sandboxOptions) throws IOException;

    /** Where the layers of an image pulled for the verification in {@code work} are read from. */
    BlobSource blobs(RegistryClient client, ImageReference pinned, Path work);

    /** Runs a pod under the plan's probes; see {@link SandboxRun#run}. */
    SandboxRun.Outcome runPod(Path dir, SandboxRun.Plan plan, MigrationVerifier.Options options, long pullMillis)
            throws IOException;

    /**
     * As {@link #runPod(Path, SandboxRun.Plan, MigrationVerifier.Options, long)}, the pod's sandbox handed to
     * {@code teardown} when the outcome is known where this process holds it; a runner elsewhere closes its own once
     * it has answered.
     */
    default SandboxRun.Outcome runPod(Path dir, SandboxRun.Plan plan, MigrationVerifier.Options options, long pullMillis,
            Teardown teardown) throws IOException {
        return runPod(dir, plan, options, pullMillis);
    }

    /**
     * Runs commands, in order, in one container of the image (one start for all), each with its own outcome and time
     * limit; see {@link RuncCommandRunner#runContained}.
     *
     * @throws IOException when the container cannot be made or reached (none of the commands ran)
     */
    List<CommandAttempt> runCommands(Path dir, ImageFileSystem image, List<RuntimeConfig> commands, Duration timeLimit,
            Sandbox.Options sandboxOptions) throws IOException, InterruptedException;

    /** Removes what crashed runs left; see {@link Sandbox#sweep}. */
    SweepReport sweep(Path workRoot, Sandbox.Options sandboxOptions);

    /** Fails, saying why, when runs cannot be done now (the runner is not reachable). */
    void check() throws IOException;
}
